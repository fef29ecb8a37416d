/**
 * Rerun of a finished workflow from one of its tasks: the new workflow execution (same action,
 * parameters and secrets, `retry_of` the original) starts at that task, with the original's
 * context as it ended (`ctx`, join arrivals, task statuses). Tasks before it do not run again.
 */
import { z } from 'zod';
import type { Queryable } from '../db/sql.ts';
import { isTerminal, type ExecutionStatus } from '../domain/execution-lifecycle.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { isCodeWorkflow } from './code-workflow.ts';
import { definitionOf } from './machine-cache.ts';

export const workflowSeedSchema = z.object({
  from_task: z.string(),
  ctx: z.record(z.string(), z.unknown()),
  arrivals: z.record(z.string(), z.number()),
  tasks: z.record(z.string(), z.object({ status: z.string(), runs: z.number() })),
});
export type WorkflowSeed = z.infer<typeof workflowSeedSchema>;

const storedContextSchema = z.object({
  context: workflowSeedSchema.pick({ ctx: true, arrivals: true, tasks: true }).partial(),
});

/** The seed of a rerun of workflow `id` from `task`; errors name the execution and the task. */
export async function seedFor(db: Queryable, id: number, status: ExecutionStatus, actionRef: string, task: string): Promise<WorkflowSeed> {
  const [action] = await db<{ workflow: unknown }[]>`select workflow from action where ref = ${actionRef}`;
  if (!action?.workflow) throw new ValidationError(`execution ${id} is not a workflow; --from-task applies to workflows only`);
  if (!isTerminal(status)) throw new ValidationError(`workflow ${id} is ${status}; rerun from a task once it has ended`);
  if (isCodeWorkflow(action.workflow))
    throw new ValidationError(`workflow ${id} (${actionRef}) is defined in code: --from-task applies to YAML workflows (rerun it from the start)`);
  const def = definitionOf(actionRef, action.workflow);
  if (!def.tasks[task]) throw new NotFoundError(`workflow ${actionRef} has no task "${task}" (tasks: ${Object.keys(def.tasks).join(', ')})`);
  const [run] = await db<{ snapshot: unknown }[]>`select snapshot from workflow_run where execution_id = ${id}`;
  const c = storedContextSchema.safeParse(run?.snapshot).data?.context ?? {};
  return { from_task: task, ctx: c.ctx ?? {}, arrivals: c.arrivals ?? {}, tasks: c.tasks ?? {} };
}

export async function saveSeed(db: Queryable, executionId: number, rerunOf: number, seed: WorkflowSeed): Promise<void> {
  await db`
    insert into workflow_seed (execution_id, rerun_of, from_task, ctx, arrivals, tasks)
    values (${executionId}, ${rerunOf}, ${seed.from_task}, ${db.json(seed.ctx as never)}, ${db.json(seed.arrivals)}, ${db.json(seed.tasks)})`;
}

export async function loadSeed(db: Queryable, executionId: number): Promise<WorkflowSeed | null> {
  const [row] = await db`select from_task, ctx, arrivals, tasks from workflow_seed where execution_id = ${executionId}`;
  return row ? workflowSeedSchema.parse(row) : null;
}
