/**
 * Scheduler: `execution.requested` → is there a live worker for the action's runtime? →
 * `scheduled` (conditional on `requested`, through the execution store) → commit → publish `execution.scheduled.<runtime>` → ack.
 * Without a live worker the execution stays `requested` with the reason in `status_reason`; a sweep
 * re-offers it when a worker appears and fails it after `noWorkerTimeoutMs`.
 */
import type { AttuneContext, ActorHandle } from '../context.ts';
import { createActorConsumer, requireSql } from '../context.ts';
import { chooseRoute, WORKFLOW_RUNTIME } from '../domain/worker-selection.ts';
import { startPeriodic } from '../periodic.ts';
import type { Outgoing } from '../streams/publisher.ts';
import type { Delivery } from '../streams/consumer.ts';
import type { ExecutionRequested } from '../streams/messages.ts';
import { cachedRegistry } from '../registry/worker-registry.ts';
import { crashPoint } from '../crash-point.ts';
import { failWaiting, markScheduled, markWaiting } from '../db/execution-store.ts';
import { cancelOnLimit, markDelayed } from '../db/execution-store-policies.ts';
import type { ActionPolicy } from '../domain/policy-schema.ts';
import { concurrencySlots } from '../limits/concurrency-slots.ts';
import { rateWindows } from '../limits/rate-window.ts';
import { applyLimits, hasLimits } from './scheduler-limits.ts';

function byReason(waits: readonly { id: number; reason: string }[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const w of waits) out.set(w.reason, [...(out.get(w.reason) ?? []), w.id]);
  return out;
}

interface Candidate {
  id: number;
  status: 'requested' | 'scheduled';
  parameters: Record<string, unknown>;
  /** Encrypted secret parameters, passed on as they are: only the worker decrypts them. */
  secrets: string | null;
  trace: string;
  attempt: number;
  timeout_ms: number | null;
  action_ref: string;
  runtime: string;
  command: string | null;
  entry_point: string | null;
  pack_path: string | null;
  action_timeout_ms: number | null;
  waiting_since: Date | null;
  policy: ActionPolicy | null;
}

export function startScheduler(ctx: AttuneContext, consumerName: string): ActorHandle {
  const sql = requireSql(ctx, 'the scheduler');
  const log = ctx.log.child({ actor: 'scheduler', consumer: consumerName });
  const registry = cachedRegistry(ctx, 500);
  const slots = concurrencySlots(ctx.redis, ctx.keys);
  const rates = rateWindows(ctx.redis, ctx.keys);
  const { noWorkerTimeoutMs, sweepEveryMs } = ctx.config.scheduler;

  function scheduledMessage(c: Candidate, runtime: string, handler: string | undefined): Outgoing {
    if (runtime === WORKFLOW_RUNTIME) return { def: ctx.catalog.workflowStart, trace: c.trace, payload: { executionId: c.id } };
    return {
      def: handler ? ctx.catalog.executionScheduledHandler(handler) : ctx.catalog.executionScheduled(runtime),
      trace: c.trace,
      payload: {
        executionId: c.id,
        attempt: c.attempt,
        action: { ref: c.action_ref, runtime, command: c.command, entryPoint: c.entry_point, packPath: c.pack_path },
        parameters: c.parameters,
        secrets: c.secrets,
        timeoutMs: c.timeout_ms ?? c.action_timeout_ms ?? ctx.config.worker.defaultTimeoutMs,
      },
    };
  }

  async function handle(batch: Delivery<ExecutionRequested>[]): Promise<void> {
    const ids = [...new Set(batch.map((d) => d.message.payload.executionId))];
    const candidates = await sql<Candidate[]>`
      select e.id, e.status, e.parameters, e.secrets, e.trace, e.attempt, e.timeout_ms, e.action_ref, e.waiting_since, e.policy,
             a.runtime, a.command, a.entry_point, a.pack_path, a.timeout_ms as action_timeout_ms
      from execution e join action a on a.ref = e.action_ref
      where e.id = any(${ids}::bigint[]) and e.status in ('requested', 'scheduled')`;
    if (candidates.length === 0) return;
    const workers = await registry.get();
    const now = Date.now();
    const toSchedule: { c: Candidate; runtime: string; handler?: string }[] = [];
    const waiting: { id: number; reason: string }[] = [];
    for (const c of candidates) {
      const choice = chooseRoute({ ...c, ref: c.action_ref }, workers, now, ctx.config.workerLiveMs);
      if (choice.ok) toSchedule.push({ c, runtime: choice.runtime, handler: choice.handler });
      else if (c.status === 'requested') waiting.push({ id: c.id, reason: choice.reason });
    }
    // Policies: only executions that have a limit pay for it.
    const limited = toSchedule.filter((s) => s.c.status === 'requested' && hasLimits(s.c.policy)).map((s) => s.c);
    const held = limited.length > 0 ? await applyLimits(slots, rates, limited) : { delayed: [], canceled: [] };
    const heldIds = new Set([...held.delayed, ...held.canceled].map((h) => h.id));
    const newly = toSchedule.filter((s) => s.c.status === 'requested' && !heldIds.has(s.c.id)).map((s) => s.c.id);
    const already = toSchedule.filter((s) => s.c.status === 'scheduled').map((s) => s.c.id);
    const scheduledIds = await sql.begin(async (tx) => {
      const moved = await markScheduled(tx, newly);
      await markWaiting(tx, waiting);
      await markDelayed(tx, held.delayed);
      for (const [reason, cids] of byReason(held.canceled)) await cancelOnLimit(tx, cids, reason);
      crashPoint(ctx.config, 'scheduler.before-commit');
      return new Set([...already, ...moved]);
    });
    crashPoint(ctx.config, 'scheduler.after-commit');
    for (const [reason, wids] of byReason(waiting)) log.info({ executions: wids, reason }, 'executions waiting for a worker');
    for (const [reason, dids] of byReason(held.delayed)) log.debug({ executions: dids, reason }, 'executions delayed by policy');
    await ctx.publisher.publishMany(toSchedule.filter((s) => scheduledIds.has(s.c.id)).map((s) => scheduledMessage(s.c, s.runtime, s.handler)));
  }

  /** Re-offers waiting executions when a worker appears; fails those that waited too long. */
  async function sweep(): Promise<void> {
    const waiting = await sql<
      { id: number; trace: string; ref: string; runtime: string; command: string | null; entry_point: string | null; waiting_since: Date }[]
    >`
      select e.id, e.trace, a.ref, a.runtime, a.command, a.entry_point, e.waiting_since
      from execution e join action a on a.ref = e.action_ref
      where e.status = 'requested' and e.waiting_since is not null order by e.id limit 1000`;
    if (waiting.length === 0) return;
    registry.invalidate();
    const workers = await registry.get();
    const now = Date.now();
    const retry = waiting.filter((w) => chooseRoute(w, workers, now, ctx.config.workerLiveMs).ok);
    const expired = waiting.filter((w) => !retry.includes(w) && now - w.waiting_since.getTime() > noWorkerTimeoutMs);
    const failed = await failWaiting(
      sql,
      expired.map((e) => e.id),
      Math.round(noWorkerTimeoutMs / 1000),
    );
    if (failed.length > 0) log.warn({ executions: failed }, 'executions failed: no live worker for their runtime');
    await ctx.publisher.publishMany(retry.map((w) => ({ def: ctx.catalog.executionRequested, payload: { executionId: w.id }, trace: w.trace })));
  }

  const sweeper = startPeriodic(sweepEveryMs, sweep, (err) => log.warn({ err: err.message }, 'waiting-execution sweep failed'));

  const consumer = createActorConsumer<ExecutionRequested>(ctx, {
    name: 'scheduler',
    streams: [ctx.catalog.executionRequested],
    group: 'scheduler',
    consumer: consumerName,
    log,
    handle,
  });
  consumer.start();
  return {
    name: 'scheduler',
    state: () => consumer.state(),
    stop: async () => {
      await sweeper.stop(); // a sweep in flight finishes before the pool it uses may be closed
      await consumer.stop();
    },
  };
}
