/**
 * Reconciler: executions stuck in `requested` or `scheduled` longer than `reconciler.staleMs`
 * (their message was lost: a Redis that lost its data, a crash between commit and publish that
 * nobody redelivered) are offered to the scheduler again on `execution.requested`. Runs inside
 * each manager; several managers reconciling at once only cause harmless duplicate messages
 * (the scheduler updates conditionally, the worker claims each execution once with SET NX).
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../context.ts';
import { markAbandoned, silentOnWorkers, touchStale } from '../db/execution-store.ts';
import type { Sql } from '../db/sql.ts';
import { insertRetries } from '../db/execution-store-policies.ts';
import { planRetries, type EndedExecution } from '../domain/retry-plan.ts';
import { concurrencySlots } from '../limits/concurrency-slots.ts';
import { releaseSlots } from './slot-audit.ts';
import { isLive } from '../domain/worker-selection.ts';
import { startPeriodic, type Periodic } from '../periodic.ts';
import { readRegistrations } from '../registry/worker-registry.ts';

const BATCH = 1000;

/** One pass: bumps `updated_at` of stale executions (so they wait another period) and republishes them. */
export async function reconcileOnce(ctx: AttuneContext, sql: Sql, staleMs: number): Promise<number[]> {
  const stale = await touchStale(sql, staleMs, BATCH);
  await ctx.publisher.publishMany(stale.map((e) => ({ def: ctx.catalog.executionRequested, payload: { executionId: e.id }, trace: e.trace })));
  return stale.map((e) => e.id).sort((a, b) => a - b);
}

/**
 * The last resort for executions `running` or `canceling` on a worker that is no longer alive and
 * whose entry nobody took over (no other worker offers the runtime, or it was acked elsewhere):
 * after `orphanMs` without news they become `abandoned`, with the reason, and are not run again.
 * `orphanMs` leaves the usual path (another worker claims the entry after `claimIdleMs` and
 * reports `abandoned` itself, or a drained worker's entry is taken over) time to act first.
 */
export function orphanMs(ctx: AttuneContext): number {
  return 2 * ctx.config.reconciler.staleMs + ctx.config.consumer.claimIdleMs + ctx.config.workerLiveMs;
}

export async function abandonOrphans(ctx: AttuneContext, sql: Sql, afterMs: number): Promise<number[]> {
  const candidates = await silentOnWorkers(sql, afterMs, BATCH);
  if (candidates.length === 0) return [];
  const workers = await readRegistrations(ctx);
  const now = Date.now();
  const lost = candidates.filter((c) => !workers.some((w) => w.id === c.worker_id && isLive(w, now, ctx.config.workerLiveMs)));
  if (lost.length === 0) return [];
  // The retry of an idempotent action (`retry.on: [abandoned]`) commits with its `abandoned`.
  const moved = await sql.begin(async (tx) => {
    const ids = await markAbandoned(
      tx,
      lost.map((c) => c.id),
    );
    const ended = await tx<EndedExecution[]>`select id, status, attempt, policy from execution where id = any(${ids}::bigint[]) and policy is not null`;
    await insertRetries(tx, planRetries(ended));
    return { ids, ended };
  });
  await releaseSlots(ctx, sql, concurrencySlots(ctx.redis, ctx.keys), moved.ended);
  return moved.ids.sort((a, b) => a - b);
}

export function startReconciler(ctx: AttuneContext, sql: Sql, log: Logger): Periodic {
  const { staleMs, everyMs } = ctx.config.reconciler;
  return startPeriodic(
    everyMs,
    async () => {
      const ids = await reconcileOnce(ctx, sql, staleMs);
      if (ids.length > 0) log.warn({ executions: ids.slice(0, 50), count: ids.length, staleMs }, 'reconciler: re-published stuck executions');
      const orphans = await abandonOrphans(ctx, sql, orphanMs(ctx));
      if (orphans.length > 0) log.warn({ executions: orphans.slice(0, 50), count: orphans.length }, 'reconciler: executions of dead workers abandoned');
    },
    (err) => log.warn({ err: err.message }, 'reconciler pass failed; will retry'),
  );
}
