/**
 * Control of running workflows (`workflow.control`: cancel, pause, resume) and their compiled
 * machines as text. Cancel goes through `executions.cancel()` like any execution's (the workflow
 * becomes `canceling`); the workflow actor then cancels its running children, and the workflow
 * ends `canceled` once they have ended.
 */
import type { AttuneContext } from '../context.ts';
import type { Sql } from '../db/sql.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { isCodeWorkflow } from './code-workflow.ts';
import { describeMachine, describeWorkflow } from './describe.ts';
import { definitionOf, machineFor } from './machine-cache.ts';

export function workflowControl(ctx: AttuneContext, sql: Sql) {
  async function workflowOf(id: number): Promise<{ status: string; trace: string; ref: string; workflow: unknown } | null> {
    const [row] = await sql<{ status: string; trace: string; runtime: string; ref: string; workflow: unknown }[]>`
      select e.status, e.trace, a.runtime, a.ref, a.workflow from execution e join action a on a.ref = e.action_ref where e.id = ${id}`;
    return row?.runtime === 'workflow' ? row : null;
  }

  async function send(id: number, command: 'cancel' | 'pause' | 'resume'): Promise<void> {
    const wf = await workflowOf(id);
    if (!wf) throw new ValidationError(`execution ${id} is not a workflow`);
    if (command !== 'cancel' && wf.status !== 'running') throw new ValidationError(`workflow ${id} is ${wf.status}; only a running workflow can ${command}`);
    if (command !== 'cancel' && isCodeWorkflow(wf.workflow) && !wf.workflow.pausable)
      throw new ValidationError(`workflow ${id} (${wf.ref}) is defined in code and its machine does not handle PAUSE and RESUME`);
    await ctx.publisher.publish(ctx.catalog.workflowControl, { executionId: id, command }, { trace: wf.trace });
    ctx.log.info({ executionId: id, command, trace: wf.trace }, `workflow ${command} requested`);
  }

  return {
    /** After `executions.cancel()` moved a running workflow to `canceling`: tell the workflow actor. */
    async afterCancel(id: number): Promise<void> {
      if (await workflowOf(id)) await send(id, 'cancel');
    },
    pause: (id: number) => send(id, 'pause'),
    resume: (id: number) => send(id, 'resume'),
    /** The compiled states and transitions, and the task graph. */
    async show(ref: string): Promise<string> {
      const [row] = await sql<{ workflow: unknown }[]>`select workflow from action where ref = ${ref}`;
      if (!row) throw new NotFoundError(`action "${ref}" does not exist (load its pack first)`);
      if (!row.workflow) throw new ValidationError(`action "${ref}" is not a workflow`);
      if (isCodeWorkflow(row.workflow)) {
        const machine = ctx.workflows.get(ref);
        return machine ? describeMachine(machine).join('\n') : `machine ${ref}: defined in code, not registered in this process`;
      }
      return describeWorkflow(machineFor(ref, row.workflow), definitionOf(ref, row.workflow));
    },
  };
}
export type WorkflowControlApi = ReturnType<typeof workflowControl>;
