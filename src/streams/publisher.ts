/** XADD with `MAXLEN ~`; many messages go out in one pipeline. */
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { StreamDef } from './catalog.ts';
import { encode, newId } from './codec.ts';

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

  /** Publishes in one round trip; throws if any XADD failed. */
  async publishMany(items: readonly Outgoing[]): Promise<string[]> {
    if (items.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const item of items) {
      pipe.xadd(item.def.key, 'MAXLEN', '~', this.maxLen, '*', ...encode(item.def, item.payload, { trace: item.trace ?? newId(), id: item.id }));
    }
    const results = (await pipe.exec()) ?? [];
    return results.map(([err, id], i) => {
      if (err) throw new Error(`XADD to ${items[i]?.def.key} failed: ${err.message}`, { cause: err });
      return id as string;
    });
  }
}
