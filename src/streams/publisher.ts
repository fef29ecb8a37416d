/**
 * Publishing. A stream read by a consumer group is never trimmed on the way in. Far from its
 * ceiling (`streamMaxLen`; known from `length-cache.ts`) a message is one plain XADD; near it,
 * `publish.lua` appends unless the stream is full, atomically. Full, the publisher trims what
 * every group has acked (`trim-acked.lua`) and tries once more; still full, the sender gets a
 * `BackPressureError` and nothing was sent. Streams
 * without a group (read with plain XREAD: `rule.changed`, worker control) keep `MAXLEN ~`. A
 * message over `maxPayloadBytes` is refused before it is sent (`MessageTooLargeError`).
 */
import type { z } from 'zod';
import type { StreamDef } from './catalog.ts';
import { encode, newId } from './codec.ts';
import { LengthCache } from './length-cache.ts';
import type { AttuneRedis } from './redis.ts';
import { BackPressureError, MessageTooLargeError, toError } from '../errors.ts';

export interface Outgoing<S extends z.ZodType = z.ZodType> {
  def: StreamDef<S>;
  payload: z.input<S>;
  trace?: string;
  id?: string;
}

export interface PublisherLimits {
  /** Ceiling of a grouped stream; approximate cap of one without a group. */
  maxLen: number;
  /** Largest payload (JSON bytes) a message may carry. */
  maxPayloadBytes: number;
}

const PAYLOAD_FIELD = 9;

export class Publisher {
  private readonly redis: AttuneRedis;
  readonly limits: PublisherLimits;
  private readonly lengths: LengthCache;
  constructor(redis: AttuneRedis, limits: PublisherLimits) {
    this.redis = redis;
    this.limits = limits;
    this.lengths = new LengthCache(redis, limits.maxLen);
  }

  /** Publishes one message and returns its stream entry id. */
  async publish<S extends z.ZodType>(def: StreamDef<S>, payload: z.input<S>, meta: { trace?: string; id?: string } = {}): Promise<string> {
    const [id] = await this.publishMany([{ def, payload, ...meta }]);
    return id as string;
  }

  /**
   * Publishes in one round trip (ioredis batches every command of a tick on an auto-pipelined
   * connection); throws if any message was refused or failed, after the others were sent.
   */
  async publishMany(items: readonly Outgoing[]): Promise<string[]> {
    if (items.length === 0) return [];
    const encoded = items.map((item) => this.encodeChecked(item));
    const settled = await Promise.allSettled(items.map((item, i) => this.append(item.def, encoded[i] as string[])));
    return settled.map((r, i) => {
      if (r.status === 'fulfilled') return r.value;
      const err = toError(r.reason);
      if (err instanceof BackPressureError) throw err;
      throw new Error(`XADD to ${items[i]?.def.key} failed: ${err.message}`, { cause: err });
    });
  }

  private encodeChecked(item: Outgoing): string[] {
    const fields = encode(item.def, item.payload, { trace: item.trace ?? newId(), id: item.id });
    const json = fields[PAYLOAD_FIELD] as string;
    const limit = this.limits.maxPayloadBytes;
    // A string of n UTF-16 units has at most 3n UTF-8 bytes: most messages skip the count.
    if (json.length * 3 > limit) {
      const bytes = Buffer.byteLength(json);
      if (bytes > limit) throw new MessageTooLargeError(item.def.key, bytes, limit);
    }
    return fields;
  }

  private async append(def: StreamDef, fields: string[]): Promise<string> {
    const { maxLen } = this.limits;
    if (def.group === null) return (await this.redis.xadd(def.key, 'MAXLEN', '~', maxLen, '*', ...fields)) as string;
    const roomy = this.lengths.roomy(def.key);
    this.lengths.added(def.key); // counted before it is sent: a refresh in flight may count it too
    if (roomy) return (await this.redis.xadd(def.key, '*', ...fields)) as string;
    try {
      return await this.redis.publishCapped(def.key, maxLen, ...fields);
    } catch (err) {
      if (!isFull(err)) throw err;
      // Full: cut what every group has acked, then once more.
      await this.redis.trimAcked(def.key);
      try {
        return await this.redis.publishCapped(def.key, maxLen, ...fields);
      } catch (again) {
        if (!isFull(again)) throw again;
        const length = Number(String((again as Error).message).split(' ')[1]);
        this.lengths.full(def.key, length);
        throw new BackPressureError(def.key, length, maxLen);
      }
    }
  }
}

function isFull(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('BACKPRESSURE');
}
