/**
 * The stream trimmer: every `trimEveryMs`, the one process that takes the trim lock (a key set NX
 * for one period) cuts every grouped stream up to the oldest entry one of its groups has not acked
 * (`trim-acked.lua`). Nothing unread is ever cut; a stream whose consumers are behind grows until
 * its ceiling pushes back on its producers (`publisher.ts`).
 */
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { groupedStreams, type KeyCatalog, type StreamCatalog } from './catalog.ts';
import type { AttuneRedis } from './redis.ts';
import { toError } from '../errors.ts';

export interface TrimmerDeps {
  redis: AttuneRedis;
  catalog: StreamCatalog;
  keys: KeyCatalog;
  log: Logger;
  everyMs: number;
  /** More housekeeping done by the lock holder each period (consumer hygiene). */
  alsoEachPass?: () => Promise<void>;
}

/** One pass over every grouped stream; returns the entries removed per stream (those that lost any). */
export async function trimStreams(d: Pick<TrimmerDeps, 'redis' | 'catalog' | 'keys'>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const def of await groupedStreams(d.redis, d.catalog, d.keys)) {
    const removed = await d.redis.trimAcked(def.key);
    if (removed > 0) out[def.key] = removed;
  }
  return out;
}

/** Starts the periodic trim; the returned function stops it. */
export function startTrimmer(d: TrimmerDeps): () => Promise<void> {
  const token = randomUUID();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<void> = Promise.resolve();

  async function once(): Promise<void> {
    try {
      const mine = await d.redis.set(d.keys.trimLock, token, 'PX', d.everyMs, 'NX');
      if (mine !== 'OK') return;
      const removed = await trimStreams(d);
      if (Object.keys(removed).length > 0) d.log.debug({ removed }, 'streams trimmed behind their groups');
      await d.alsoEachPass?.();
    } catch (err) {
      d.log.warn({ err: toError(err).message }, 'stream trim failed; next period tries again');
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      pass = once().finally(schedule);
    }, d.everyMs);
  };
  schedule();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await pass;
  };
}
