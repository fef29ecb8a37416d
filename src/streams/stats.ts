/** Length, groups, consumers, pending and lag of every stream of a namespace (`attune streams`). */
import type { Redis } from 'ioredis';
import { fixedStreams, type KeyCatalog, type StreamCatalog } from './catalog.ts';

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
  /** The stream's cap: the back-pressure ceiling of a grouped stream, `MAXLEN ~` of the others. */
  maxLen: number;
  groups: GroupStats[];
}

export interface StreamLimits {
  streamMaxLen: number;
  deadMaxLen: number;
}

function pairs(list: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}

export async function streamStats(redis: Redis, catalog: StreamCatalog, keys: KeyCatalog, limits: StreamLimits): Promise<StreamStats[]> {
  const streams = new Map(fixedStreams(catalog).map((d) => [d.key, d.type]));
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.scheduledPattern, 'COUNT', 500);
    cursor = next;
    for (const k of found) streams.set(k, catalog.typeOf(k) ?? k);
  } while (cursor !== '0');
  const out: StreamStats[] = [];
  for (const [key, type] of [...streams].sort()) {
    const maxLen = key === catalog.dead.key ? limits.deadMaxLen : limits.streamMaxLen;
    const exists = await redis.exists(key);
    if (!exists) {
      out.push({ stream: key, type, length: 0, maxLen, groups: [] });
      continue;
    }
    const length = await redis.xlen(key);
    const groups = ((await redis.xinfo('GROUPS', key)) as unknown[][]).map((g) => {
      const o = pairs(g);
      return {
        name: String(o.name),
        consumers: Number(o.consumers),
        pending: Number(o.pending),
        lag: o.lag === null || o.lag === undefined ? null : Number(o.lag),
        lastDelivered: String(o['last-delivered-id']),
      };
    });
    out.push({ stream: key, type, length, maxLen, groups });
  }
  return out;
}
