/**
 * The workflow actor: reads `workflow.start`, `workflow.child_finished` and `workflow.control`
 * (group `workflow`, one stream per message type). Per batch, per workflow: one step in one
 * transaction (`workflow-step.ts`: snapshot + children + end), commit, then publish the children
 * on `execution.requested` (and tell a parent workflow that this one ended), then the consumer
 * acks. A sweep re-sends `workflow.child_finished` for finished children a workflow never
 * applied (the message was lost between a commit and its publish).
 */
import type { ActorHandle, AttuneContext } from '../../context.ts';
import { createActorConsumer, requireSql } from '../../context.ts';
import { crashPoint } from '../../crash-point.ts';
import { unappliedChildren } from '../../db/workflow-store.ts';
import { toError } from '../../errors.ts';
import { executionsService } from '../../executions-service.ts';
import type { Delivery } from '../../streams/consumer.ts';
import type { WorkflowChildFinished, WorkflowControl, WorkflowStart } from '../../streams/messages.ts';
import type { Outgoing } from '../../streams/publisher.ts';
import { workflowStep, type StepInput } from './workflow-step.ts';

type WorkflowMessage = WorkflowStart | WorkflowChildFinished | WorkflowControl;

function byWorkflow(batch: readonly Delivery<WorkflowMessage>[]): StepInput[] {
  const steps = new Map<number, StepInput>();
  const of = (id: number): StepInput => {
    const known = steps.get(id);
    if (known) return known;
    const fresh: StepInput = { workflowId: id, start: false, childIds: [], commands: [] };
    steps.set(id, fresh);
    return fresh;
  };
  for (const d of batch) {
    const p = d.message.payload;
    if ('childId' in p) of(p.workflowId).childIds.push(p.childId);
    else if ('command' in p) of(p.executionId).commands.push(p.command);
    else of(p.executionId).start = true;
  }
  return [...steps.values()];
}

export function startWorkflowActor(ctx: AttuneContext, consumerName: string): ActorHandle {
  const sql = requireSql(ctx, 'the workflow actor');
  const log = ctx.log.child({ actor: 'workflow', consumer: consumerName });
  const executions = executionsService(ctx, sql);
  const finishedMessage = (workflowId: number, childId: number, trace: string): Outgoing => ({
    def: ctx.catalog.workflowChildFinished,
    payload: { workflowId, childId },
    trace,
  });

  async function handle(batch: Delivery<WorkflowMessage>[]): Promise<void> {
    for (const input of byWorkflow(batch)) {
      const step = await workflowStep(ctx, sql, input, `consumer ${consumerName}, pid ${process.pid}`);
      if (!step) continue;
      crashPoint(ctx.config, 'workflow.after-commit');
      const out: Outgoing[] = step.requested.map((c) => ({ def: ctx.catalog.executionRequested, payload: { executionId: c.id }, trace: c.trace }));
      out.push(...step.bornFinished.map((id) => finishedMessage(input.workflowId, id, step.trace)));
      if (step.parentId) out.push(finishedMessage(step.parentId, input.workflowId, step.trace));
      await ctx.publisher.publishMany(out);
      for (const id of step.toCancel) {
        const row = await executions.cancel(id).catch(() => null); // already ended: nothing to stop
        if (row?.status === 'canceled') await ctx.publisher.publishMany([finishedMessage(input.workflowId, id, step.trace)]);
      }
      if (step.ended) log.info({ executionId: input.workflowId, status: step.ended, trace: step.trace }, `workflow ${step.ended}`);
      else log.debug({ executionId: input.workflowId, children: step.requested.length, trace: step.trace }, 'workflow step committed');
    }
  }

  async function sweep(): Promise<void> {
    const lost = await unappliedChildren(sql, ctx.config.reconciler.staleMs, 1000);
    if (lost.length > 0) log.warn({ children: lost.map((l) => l.child_id) }, 'finished children not applied by their workflow: sent again');
    await ctx.publisher.publishMany(lost.map((l) => finishedMessage(l.workflow_id, l.child_id, l.trace)));
  }
  let sweeping: Promise<void> | null = null;
  const timer = setInterval(() => {
    sweeping ??= sweep()
      .catch((err: unknown) => log.warn({ err: toError(err).message }, 'workflow sweep failed'))
      .finally(() => {
        sweeping = null;
      });
  }, ctx.config.reconciler.everyMs);

  const consumer = createActorConsumer<WorkflowMessage>(ctx, {
    name: 'workflow',
    streams: [ctx.catalog.workflowStart, ctx.catalog.workflowChildFinished, ctx.catalog.workflowControl],
    group: 'workflow',
    consumer: consumerName,
    log,
    handle,
  });
  consumer.start();
  return {
    name: 'workflow',
    state: () => consumer.state(),
    stop: async () => {
      clearInterval(timer);
      await sweeping;
      await consumer.stop();
    },
  };
}
