/**
 * Delay sweeper (runs inside each manager): delayed executions whose `not_before` passed (a
 * retry's backoff, a rate-limit window) go back to `requested` and are offered to the scheduler.
 * The row is the schedule, so a retry survives every process dying: the next sweeper finds it.
 * `skip locked` and a conditional update: each moves once, however many managers sweep. A publish
 * lost after the commit is covered by the reconciler (`requested` untouched for `staleMs`).
 * It also audits concurrency slots now and then (`policies/concurrency-slots.ts`).
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../context.ts';
import { promoteDelayed } from '../db/execution-store-policies.ts';
import type { Sql } from '../db/sql.ts';
import { startPeriodic, type Periodic } from '../periodic.ts';

const BATCH = 500;

/** Moves due delayed executions (or the given ones waiting for a slot) back to the scheduler; returns their ids. */
export async function wakeDelayed(ctx: AttuneContext, sql: Sql, o: { due?: boolean; ids?: readonly number[] }): Promise<number[]> {
  const moved = await promoteDelayed(sql, { ...o, limit: BATCH });
  await ctx.publisher.publishMany(moved.map((e) => ({ def: ctx.catalog.executionRequested, payload: { executionId: e.id }, trace: e.trace })));
  return moved.map((e) => e.id);
}

export function startDelaySweeper(ctx: AttuneContext, sql: Sql, log: Logger, extra: () => Promise<void>): Periodic {
  const { pollMs, auditEveryMs } = ctx.config.policies;
  let lastAudit = 0;
  return startPeriodic(
    pollMs,
    async () => {
      const woken = await wakeDelayed(ctx, sql, { due: true });
      if (woken.length > 0) log.debug({ executions: woken }, 'delayed executions due: offered to the scheduler');
      if (Date.now() - lastAudit >= auditEveryMs) {
        lastAudit = Date.now();
        await extra();
      }
    },
    (err) => log.warn({ err: err.message }, 'delay sweep failed; will retry'),
  );
}
