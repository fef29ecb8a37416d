/**
 * Manager: `execution.status` → folds the batch's reports per execution (`domain/report-folding.ts`)
 * and applies them through the execution store: one conditional update per target status per batch
 * (`where status = any(allowedFrom)`), so late, repeated or out-of-order reports are harmless.
 * A task of a workflow that ended is announced on `workflow.child_finished` after the commit.
 */
import type { AttuneContext, ActorHandle } from '../context.ts';
import { createActorConsumer, requireSql } from '../context.ts';
import { applyReports } from '../db/execution-store.ts';
import { insertRetries } from '../db/execution-store-policies.ts';
import { planRetries } from '../domain/retry-plan.ts';
import { startDelaySweeper } from './delay-sweeper.ts';
import { auditSlots, releaseSlots } from './slot-audit.ts';
import { concurrencySlots } from '../limits/concurrency-slots.ts';
import { isTerminal } from '../domain/execution-lifecycle.ts';
import { foldReports } from '../domain/report-folding.ts';
import type { Delivery } from '../streams/consumer.ts';
import type { ExecutionStatusReport } from '../streams/messages.ts';
import { crashPoint } from '../crash-point.ts';
import { forgetStoredOutputs, restoreReports } from '../streams/status-output.ts';
import { startReconciler } from './reconciler.ts';
import { startRetention } from './retention.ts';

export function startManager(ctx: AttuneContext, consumerName: string): ActorHandle {
  const sql = requireSql(ctx, 'the manager');
  const log = ctx.log.child({ actor: 'manager', consumer: consumerName });
  const slots = concurrencySlots(ctx.redis, ctx.keys);

  async function handle(batch: Delivery<ExecutionStatusReport>[]): Promise<void> {
    const reports = await restoreReports(
      ctx.redis,
      ctx.keys,
      batch.map((d) => d.message.payload),
    );
    const updates = foldReports(reports);
    const applied = await sql.begin(async (tx) => {
      const moved = await applyReports(tx, updates);
      // The retry schedule commits with the final status: it is a row, not a timer.
      const retries = await insertRetries(tx, planRetries(moved.filter((m) => m.policy?.retry && isTerminal(m.status))));
      if (retries.length > 0) log.info({ retries }, 'retries scheduled');
      crashPoint(ctx.config, 'manager.before-commit');
      return moved;
    });
    await forgetStoredOutputs(ctx.redis, ctx.keys, reports);
    await releaseSlots(
      ctx,
      sql,
      slots,
      applied.filter((a) => isTerminal(a.status)),
    );
    // A task of a workflow ended: its workflow hears of it (lost here, the workflow sweep sends it again).
    const ofWorkflows = applied.filter((a) => a.parent_id !== null && isTerminal(a.status));
    await ctx.publisher.publishMany(
      ofWorkflows.map((a) => ({ def: ctx.catalog.workflowChildFinished, payload: { workflowId: a.parent_id as number, childId: a.id }, trace: a.trace })),
    );
    for (const a of applied) {
      if (isTerminal(a.status)) log.info({ executionId: a.id, status: a.status, trace: a.trace }, `execution ${a.status}`);
      else log.debug({ executionId: a.id, status: a.status, trace: a.trace }, 'execution status applied');
    }
  }

  const consumer = createActorConsumer<ExecutionStatusReport>(ctx, {
    name: 'manager',
    streams: [ctx.catalog.executionStatus],
    group: 'manager',
    consumer: consumerName,
    log,
    handle,
  });
  consumer.start();
  const reconciler = startReconciler(ctx, sql, log);
  const retention = startRetention(ctx, sql, log);
  const sweeper = startDelaySweeper(ctx, sql, log, async () => {
    const audit = await auditSlots(ctx, sql, slots);
    if (audit.freed > 0 || audit.woken > 0) log.info(audit, 'concurrency slots audited');
  });
  return {
    name: 'manager',
    state: () => consumer.state(),
    stop: async () => {
      await reconciler.stop();
      await retention.stop();
      await sweeper.stop();
      await consumer.stop();
    },
  };
}
