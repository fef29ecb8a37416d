/**
 * Manager: `execution.status` → folds the batch's reports per execution (`domain/report-folding.ts`)
 * and applies them through the execution store: one conditional update per target status per batch
 * (`where status = any(allowedFrom)`), so late, repeated or out-of-order reports are harmless.
 */
import type { AttuneContext, ActorHandle } from '../context.ts';
import { createActorConsumer, requireSql } from '../context.ts';
import { applyReports } from '../db/execution-store.ts';
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

  async function handle(batch: Delivery<ExecutionStatusReport>[]): Promise<void> {
    const reports = await restoreReports(
      ctx.redis,
      ctx.keys,
      batch.map((d) => d.message.payload),
    );
    const updates = foldReports(reports);
    const applied = await sql.begin(async (tx) => {
      const moved = await applyReports(tx, updates);
      crashPoint(ctx.config, 'manager.before-commit');
      return moved;
    });
    await forgetStoredOutputs(ctx.redis, ctx.keys, reports);
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
  return {
    name: 'manager',
    state: () => consumer.state(),
    stop: async () => {
      await reconciler.stop();
      await retention.stop();
      await consumer.stop();
    },
  };
}
