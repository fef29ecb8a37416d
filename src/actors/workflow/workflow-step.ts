/**
 * One step of one workflow, in one transaction: lock the workflow's execution, restore its
 * machine from the persisted snapshot (or create it on `workflow.start`), apply the finished
 * children not applied before (`workflow_applied`: a redelivery applies nothing) and the control
 * commands, then store the new snapshot, the children it asked for, and the workflow's end.
 * The caller publishes what `Step` lists only after the commit.
 */
import { createActor, type SnapshotFrom } from 'xstate';
import type { AttuneContext } from '../../context.ts';
import { crashPoint } from '../../crash-point.ts';
import { finishWorkflow, insertChildren, markWorkflowRunning } from '../../db/execution-store.ts';
import type { Sql } from '../../db/sql.ts';
import { lockRun, markApplied, saveRun } from '../../db/workflow-store.ts';
import { isTerminal, terminalStatuses, type ExecutionStatus } from '../../domain/execution-lifecycle.ts';
import type { ChildRequest } from '../../workflows/engine.ts';
import { machineFor } from '../../workflows/machine-cache.ts';
import type { WorkflowEvent } from '../../workflows/machine.ts';
import { childRows } from './child-requests.ts';

export interface StepInput {
  workflowId: number;
  start: boolean;
  childIds: number[];
  commands: ('cancel' | 'pause' | 'resume')[];
}

export interface Step {
  trace: string;
  /** Children `requested` now or before (a redelivered step publishes them again). */
  requested: { id: number; trace: string }[];
  /** Children born finished (could not run): the workflow hears of them like of any other. */
  bornFinished: number[];
  /** Set when the workflow execution is final and has a parent workflow to tell. */
  parentId: number | null;
  /** Children to cancel (the workflow is canceling). */
  toCancel: number[];
  ended: ExecutionStatus | null;
}

interface WorkflowRow {
  id: number;
  status: ExecutionStatus;
  parameters: Record<string, unknown>;
  trace: string;
  action_ref: string;
  parent_id: number | null;
  workflow: unknown;
}

type Snapshot = SnapshotFrom<ReturnType<typeof machineFor>>;

function finalOf(s: Snapshot): 'succeeded' | 'failed' | 'canceled' | null {
  return s.status === 'done' ? (s.value as 'succeeded' | 'failed' | 'canceled') : null;
}

export async function workflowStep(ctx: AttuneContext, sql: Sql, input: StepInput): Promise<Step | null> {
  return sql.begin(async (tx) => {
    const [wf] = await tx<WorkflowRow[]>`
      select e.id, e.status, e.parameters, e.trace, e.action_ref, e.parent_id, a.workflow
      from execution e join action a on a.ref = e.action_ref where e.id = ${input.workflowId} for update of e`;
    if (!wf?.workflow) return null;
    const machine = machineFor(wf.action_ref, wf.workflow);
    const run = await lockRun(tx, wf.id);
    if (!run && (!input.start || wf.status !== 'scheduled')) return null; // not started (yet), or ended before it started
    const actor = run
      ? createActor(machine, { snapshot: run.snapshot as Snapshot, input: { input: wf.parameters, workflow: { id: wf.id, trace: wf.trace } } })
      : createActor(machine, { input: { input: wf.parameters, workflow: { id: wf.id, trace: wf.trace } } });
    actor.start();
    const requests: ChildRequest[] = run ? [] : [...actor.getSnapshot().context.outbox];
    const send = (event: WorkflowEvent): void => {
      actor.send(event);
      requests.push(...actor.getSnapshot().context.outbox);
    };
    const finished = await tx<{ id: number; workflow_seq: number; status: ExecutionStatus; result: unknown }[]>`
      select id, workflow_seq, status, result from execution
      where parent_id = ${wf.id} and id = any(${input.childIds}::bigint[]) and status = any(${[...terminalStatuses]}::text[]) order by id`;
    const fresh = new Set(await markApplied(tx, wf.id, run ? finished.map((f) => f.id) : []));
    for (const f of finished) if (fresh.has(f.id)) send({ type: 'CHILD_FINISHED', seq: f.workflow_seq, status: f.status, result: f.result });
    for (const c of input.commands) send({ type: c === 'cancel' ? 'CANCEL' : c === 'pause' ? 'PAUSE' : 'RESUME' });
    const snapshot = actor.getSnapshot();
    const persisted = actor.getPersistedSnapshot();
    actor.stop();
    crashPoint(ctx.config, 'workflow.before-commit');
    if (!run && !(await markWorkflowRunning(tx, wf.id))) return null;
    await saveRun(tx, wf.id, wf.action_ref, persisted, String(snapshot.value));
    const inserted = await insertChildren(tx, wf, await childRows(ctx, tx, requests));
    const final = finalOf(snapshot);
    let ended: ExecutionStatus | null = isTerminal(wf.status) ? wf.status : null;
    if (final) {
      const c = snapshot.context;
      const result = { output: c.output ?? {}, tasks: c.tasks, ...(c.errors.length > 0 ? { errors: c.errors } : {}) };
      if (await finishWorkflow(tx, wf.id, final, result, c.errors.length > 0 ? c.errors.join('; ') : null)) ended = final;
    }
    const requested = await tx<{ id: number; trace: string }[]>`select id, trace from execution where parent_id = ${wf.id} and status = 'requested'`;
    const toCancel =
      snapshot.value === 'canceling'
        ? (await tx<{ id: number }[]>`select id from execution where parent_id = ${wf.id} and status <> all(${[...terminalStatuses]}::text[])`).map((r) => r.id)
        : [];
    return {
      trace: wf.trace,
      requested: snapshot.value === 'canceling' ? [] : requested,
      bornFinished: inserted.filter((i) => i.status === 'failed').map((i) => i.id),
      parentId: ended && wf.parent_id ? wf.parent_id : null,
      toCancel,
      ended,
    };
  });
}
