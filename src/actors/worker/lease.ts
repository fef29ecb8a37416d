/**
 * The lease on running entries: while an action runs, its stream entry is claimed again every
 * `everyMs` (XCLAIM … JUSTID resets its idle time), so only the entries of dead workers reach the
 * claim-idle threshold and are taken over elsewhere. Like BullMQ's lock extension, for streams.
 */
import type { Logger } from 'pino';
import { startPeriodic, type Periodic } from '../../periodic.ts';
import type { Delivery } from '../../streams/consumer.ts';
import type { AttuneRedis } from '../../streams/redis.ts';

export type Lease = Periodic;

/** Refreshes `entries()` (the deliveries running now) in group `group` for consumer `owner`. */
export function startLease(redis: AttuneRedis, group: string, owner: string, everyMs: number, entries: () => Iterable<Delivery<unknown>>, log: Logger): Lease {
  async function refresh(): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const d of entries()) byStream.set(d.def.key, [...(byStream.get(d.def.key) ?? []), d.entryId]);
    await Promise.all([...byStream].map(([key, ids]) => redis.xclaim(key, group, owner, 0, ...ids, 'JUSTID')));
  }
  return startPeriodic(everyMs, refresh, (err) => log.warn({ err: err.message }, 'refreshing running entries failed'));
}
