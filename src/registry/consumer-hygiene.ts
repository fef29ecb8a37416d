/**
 * Consumer hygiene: what dead processes leave behind is removed, so `XINFO CONSUMERS` and
 * `attune workers` show the living after any number of restarts. Run by the process holding the
 * trim lock, each period:
 * - a registration silent for `goneAfterMs` is removed, with its control stream;
 * - a control stream of no registered worker, silent for `goneAfterMs`, is deleted;
 * - a consumer idle for `goneAfterMs` that holds nothing and is no live worker leaves its group
 *   (`forget-consumer.lua`: checked and removed atomically, never with entries).
 * A consumer that holds entries stays until they are claimed elsewhere (after `claimIdleMs`).
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config.ts';
import { isLive } from '../domain/worker-selection.ts';
import { groupedStreams, type KeyCatalog, type StreamCatalog } from '../streams/catalog.ts';
import type { AttuneRedis } from '../streams/redis.ts';
import { readRegistrations, removeRegistration } from './worker-registry.ts';

export interface HygieneDeps {
  redis: AttuneRedis;
  catalog: StreamCatalog;
  keys: KeyCatalog;
}

export interface Pruned {
  registrations: string[];
  controlStreams: string[];
  consumers: string[];
}

/** XINFO replies as flat field/value arrays → records. */
function record(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

const msOf = (entryId: string) => Number(entryId.split('-')[0]);

export async function pruneGone(d: HygieneDeps, o: { liveMs: number; goneAfterMs: number }): Promise<Pruned> {
  const now = Date.now();
  const pruned: Pruned = { registrations: [], controlStreams: [], consumers: [] };
  const regs = await readRegistrations(d);
  for (const r of regs) {
    if (now - r.heartbeatAt <= o.goneAfterMs) continue;
    await removeRegistration(d, r.id);
    const control = d.catalog.workerControl(r.id).key;
    if ((await d.redis.del(control)) > 0) pruned.controlStreams.push(control);
    pruned.registrations.push(r.id);
  }
  const registered = new Set(regs.filter((r) => !pruned.registrations.includes(r.id)).map((r) => r.id));
  const live = new Set(regs.filter((r) => isLive(r, now, o.liveMs)).map((r) => r.id));

  let cursor = '0';
  do {
    const [next, page] = await d.redis.scan(cursor, 'MATCH', d.keys.controlPattern, 'COUNT', 500);
    cursor = next;
    for (const key of page) {
      const id = /^worker\.(.+)\.control$/.exec(d.catalog.typeOf(key) ?? '')?.[1];
      if (id === undefined || registered.has(id)) continue;
      const [last] = (await d.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
      if (last && now - msOf(last[0]) <= o.goneAfterMs) continue;
      await d.redis.del(key);
      pruned.controlStreams.push(key);
    }
  } while (cursor !== '0');

  for (const def of await groupedStreams(d.redis, d.catalog, d.keys)) {
    const groups = ((await d.redis.xinfo('GROUPS', def.key).catch(() => [])) as unknown[][]).map(record);
    for (const g of groups) {
      const group = String(g.name);
      const consumers = ((await d.redis.xinfo('CONSUMERS', def.key, group)) as unknown[][]).map(record);
      for (const c of consumers) {
        const name = String(c.name);
        if (Number(c.pending) > 0 || Number(c.idle) <= o.goneAfterMs || live.has(name)) continue;
        if ((await d.redis.forgetConsumer(def.key, group, name)) === 1) pruned.consumers.push(`${def.key}/${group}/${name}`);
      }
    }
  }
  return pruned;
}

/** One pass as the trimmer runs it: `streams.goneAfterMs`, at least `workerLiveMs` and 2 × `blockMs`. */
export function hygienePass(d: HygieneDeps & { config: ResolvedConfig }, log: Logger): () => Promise<void> {
  const { config } = d;
  const goneAfterMs = Math.max(config.streams.goneAfterMs, config.workerLiveMs, 2 * config.consumer.blockMs);
  return async () => {
    const pruned = await pruneGone(d, { liveMs: config.workerLiveMs, goneAfterMs });
    if (pruned.registrations.length + pruned.controlStreams.length + pruned.consumers.length > 0) log.info(pruned, 'removed what dead processes left behind');
  };
}
