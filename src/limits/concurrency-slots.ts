/**
 * Concurrency slots: the one owner of the keys `{ns}:slots:<scope>` (SET of holders),
 * `{ns}:slot-line:<scope>` (ZSET of waiters, by execution id: arrival order) and
 * `{ns}:execution:<id>:slot` (the scope an execution holds or waits for). Changed only by the Lua
 * scripts beside this file, each atomic. A scope is `<action>|<rendered key>`. Readable in
 * `redis-cli`: `SMEMBERS attune:slots:pack.action|host-1`.
 */
import { readFileSync } from 'node:fs';
import { EXECUTION_KEY_TTL_S } from '../domain/execution-lifecycle.ts';
import type { KeyCatalog } from '../streams/catalog.ts';
import type { AttuneRedis } from '../streams/redis.ts';

const acquireLua = readFileSync(new URL('./lua/slot-acquire.lua', import.meta.url), 'utf8');
const releaseLua = readFileSync(new URL('./lua/slot-release.lua', import.meta.url), 'utf8');

type SlotRedis = AttuneRedis & {
  slotAcquire(holders: string, line: string, marker: string, limit: number, id: number, scope: string, ttlS: number): Promise<number>;
  slotRelease(holders: string, line: string, marker: string, id: number, limit: number): Promise<string[]>;
};

function withCommands(redis: AttuneRedis): SlotRedis {
  const r = redis as SlotRedis;
  if (typeof r.slotAcquire !== 'function') {
    redis.defineCommand('slotAcquire', { numberOfKeys: 3, lua: acquireLua });
    redis.defineCommand('slotRelease', { numberOfKeys: 3, lua: releaseLua });
  }
  return r;
}

export function concurrencySlots(redis: AttuneRedis, keys: KeyCatalog) {
  const r = withCommands(redis);
  return {
    /** Takes a slot of `scope` for the execution, oldest request first: true when it holds one. */
    async acquire(scope: string, limit: number, id: number): Promise<boolean> {
      return (await r.slotAcquire(keys.slotHolders(scope), keys.slotLine(scope), keys.executionSlot(id), limit, id, scope, EXECUTION_KEY_TTL_S)) === 1;
    },
    /**
     * Frees the execution's slot or place in line. With the scope's `limit`, the freed slots go to
     * the first in line at once (returned: the caller wakes them); with 0 they stay free for the audit.
     */
    async release(id: number, limit = 0): Promise<number[]> {
      const scope = await redis.get(keys.executionSlot(id));
      if (scope === null) return [];
      return (await r.slotRelease(keys.slotHolders(scope), keys.slotLine(scope), keys.executionSlot(id), id, limit)).map(Number);
    },
    /** Frees a slot of a scope held by an execution that ended (the audit); same result as `release`. */
    async releaseIn(scope: string, id: number, limit = 0): Promise<number[]> {
      return (await r.slotRelease(keys.slotHolders(scope), keys.slotLine(scope), keys.executionSlot(id), id, limit)).map(Number);
    },
    /** Every scope with holders or waiters, its holders and its line (oldest first). */
    async scopes(): Promise<{ scope: string; holders: number[]; line: number[] }[]> {
      const out: { scope: string; holders: number[]; line: number[] }[] = [];
      const seen = new Set<string>();
      for (const pattern of [keys.slotHoldersPattern, keys.slotLinePattern]) {
        let cursor = '0';
        do {
          const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
          cursor = next;
          for (const k of found) {
            const scope = keys.slotScopeOf(k);
            if (scope !== null) seen.add(scope);
          }
        } while (cursor !== '0');
      }
      for (const scope of seen) {
        const [holders, line] = await Promise.all([redis.smembers(keys.slotHolders(scope)), redis.zrange(keys.slotLine(scope), 0, -1)]);
        out.push({ scope, holders: holders.map(Number), line: line.map(Number) });
      }
      return out;
    },
  };
}
export type ConcurrencySlots = ReturnType<typeof concurrencySlots>;
