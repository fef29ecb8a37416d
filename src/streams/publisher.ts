/** XADD with `MAXLEN ~`; many messages go out in one pipeline. */
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { StreamDef } from './catalog.ts';
import { encode, newId } from './codec.ts';
import { toError } from '../errors.ts';

export interface Outgoing<S extends z.ZodType = z.ZodType> {
  def: StreamDef<S>;
  payload: z.input<S>;
  trace?: string;
  id?: string;
}

export class Publisher {
  private readonly redis: Redis;
  private readonly maxLen: number;
  constructor(redis: Redis, maxLen: number) {
    this.redis = redis;
    this.maxLen = maxLen;
  }

  /** Publishes one message and returns its stream entry id. */
  async publish<S extends z.ZodType>(def: StreamDef<S>, payload: z.input<S>, meta: { trace?: string; id?: string } = {}): Promise<string> {
    const [id] = await this.publishMany([{ def, payload, ...meta }]);
    return id as string;
  }

  /**
   * Publishes in one round trip; throws if any XADD failed. On an auto-pipelined connection the
   * XADDs are plain commands (ioredis batches every command of a tick into one write), which costs
   * far less than an explicit pipeline per call when many callers publish one message each.
   */
  async publishMany(items: readonly Outgoing[]): Promise<string[]> {
    if (items.length === 0) return [];
    const args = items.map(
      (item) => ['MAXLEN', '~', this.maxLen, '*', ...encode(item.def, item.payload, { trace: item.trace ?? newId(), id: item.id })] as const,
    );
    if (this.redis.options.enableAutoPipelining) {
      const settled = await Promise.allSettled(
        items.map((item, i) => this.redis.xadd(item.def.key, ...(args[i] as [string, string, number, string, ...string[]]))),
      );
      return settled.map((r, i) => {
        if (r.status === 'rejected') throw new Error(`XADD to ${items[i]?.def.key} failed: ${toError(r.reason).message}`, { cause: r.reason });
        return r.value as string;
      });
    }
    const pipe = this.redis.pipeline();
    items.forEach((item, i) => pipe.xadd(item.def.key, ...(args[i] as [string, string, number, string, ...string[]])));
    const results = (await pipe.exec()) ?? [];
    return results.map(([err, id], i) => {
      if (err) throw new Error(`XADD to ${items[i]?.def.key} failed: ${err.message}`, { cause: err });
      return id as string;
    });
  }
}
