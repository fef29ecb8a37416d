/**
 * Rate limits: the one owner of `{ns}:rate:<scope>` (a sliding window per action and key: a ZSET of
 * the executions counted, scored by when), changed only by `lua/rate-take.lua`. Readable in
 * `redis-cli`: `ZRANGE attune:rate:pack.action|host-1 0 -1 WITHSCORES`.
 */
import { readFileSync } from 'node:fs';
import type { KeyCatalog } from '../streams/catalog.ts';
import type { AttuneRedis } from '../streams/redis.ts';

const takeLua = readFileSync(new URL('./lua/rate-take.lua', import.meta.url), 'utf8');

type RateRedis = AttuneRedis & { rateTake(window: string, limit: number, perMs: number, id: number): Promise<number> };

export function rateWindows(redis: AttuneRedis, keys: KeyCatalog) {
  const r = redis as RateRedis;
  if (typeof r.rateTake !== 'function') redis.defineCommand('rateTake', { numberOfKeys: 1, lua: takeLua });
  return {
    /** 0 when the execution may start now (it is counted), else the ms until the window has room. */
    take: (scope: string, limit: number, perMs: number, id: number): Promise<number> => r.rateTake(keys.rateWindow(scope), limit, perMs, id),
  };
}
export type RateWindows = ReturnType<typeof rateWindows>;
