/** Length, groups, consumers, pending and lag of every stream of a namespace (`attune streams`). */
import type { AttuneContext } from '../context.ts';
import { fixedStreams } from './catalog.ts';

export interface GroupStats {
  name: string;
  consumers: number;
  pending: number;
  lag: number | null;
  lastDelivered: string;
}

export interface StreamStats {
  stream: string;
  type: string;
  length: number;
  groups: GroupStats[];
}

function pairs(list: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}

export async function streamStats(ctx: AttuneContext): Promise<StreamStats[]> {
  const keys = new Map(fixedStreams(ctx.catalog).map((d) => [d.key, d.type]));
  let cursor = '0';
  do {
    const [next, found] = await ctx.redis.scan(cursor, 'MATCH', ctx.keys.scheduledPattern, 'COUNT', 500);
    cursor = next;
    for (const k of found) keys.set(k, k.slice(ctx.config.namespace.length + 1));
  } while (cursor !== '0');
  const out: StreamStats[] = [];
  for (const [key, type] of [...keys].sort()) {
    const exists = await ctx.redis.exists(key);
    if (!exists) {
      out.push({ stream: key, type, length: 0, groups: [] });
      continue;
    }
    const length = await ctx.redis.xlen(key);
    const groups = ((await ctx.redis.xinfo('GROUPS', key)) as unknown[][]).map((g) => {
      const o = pairs(g);
      return {
        name: String(o.name),
        consumers: Number(o.consumers),
        pending: Number(o.pending),
        lag: o.lag === null || o.lag === undefined ? null : Number(o.lag),
        lastDelivered: String(o['last-delivered-id']),
      };
    });
    out.push({ stream: key, type, length, groups });
  }
  return out;
}
