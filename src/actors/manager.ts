/**
 * Manager: `execution.status` → folds the batch's reports per execution (`domain/report-folding.ts`)
 * and applies them through the execution store: one conditional update per target status per batch
 * (`where status = any(allowedFrom)`), so late, repeated or out-of-order reports are harmless.
 * A task of a workflow that ended is announced on `workflow.child_finished` after the commit.
 */
import type { AttuneContext, ActorHandle } from '../context.ts';
import { createActorConsumer, requireSql } from '../context.ts';
import { applyReports } from '../db/execution-store.ts';
import { isTerminal } from '../domain/execution-lifecycle.ts';
import { foldReports } from '../domain/report-folding.ts';
import type { Delivery } from '../streams/consumer.ts';
import type { ExecutionStatusReport } from '../streams/messages.ts';
import { crashPoint } from '../crash-point.ts';
import { startReconciler } from './reconciler.ts';

export function startManager(ctx: AttuneContext, consumerName: string): ActorHandle {
  const sql = requireSql(ctx, 'the manager');
  const log = ctx.log.child({ actor: 'manager', consumer: consumerName });

  async function handle(batch: Delivery<ExecutionStatusReport>[]): Promise<void> {
    const updates = foldReports(batch.map((d) => d.message.payload));
    const applied = await sql.begin(async (tx) => {
      const moved = await applyReports(tx, updates);
      crashPoint(ctx.config, 'manager.before-commit');
      return moved;
    });
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
  return {
    name: 'manager',
    state: () => consumer.state(),
    stop: async () => {
      await reconciler.stop();
      await consumer.stop();
    },
  };
}
