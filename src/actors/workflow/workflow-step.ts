/**
 * One step of one workflow, in one transaction: lock the workflow's execution, restore its
 * machine from the persisted snapshot (or create it on `workflow.start`), apply the finished
 * children not applied before (`workflow_applied`: a redelivery applies nothing) and the control
 * commands, then store the new snapshot, the children it asked for, and the workflow's end.
 * The caller publishes what `Step` lists only after the commit.
 */
import type { AttuneContext } from '../../context.ts';
import { crashPoint } from '../../crash-point.ts';
import { finishWorkflow, insertChildren, markWorkflowRunning } from '../../db/execution-store.ts';
import type { Queryable, Sql } from '../../db/sql.ts';
import { lockRun, markApplied, saveRun, type StoredRun } from '../../db/workflow-store.ts';
import { isTerminal, terminalStatuses, type ExecutionStatus } from '../../domain/execution-lifecycle.ts';
import { isCodeWorkflow } from '../../workflows/code-workflow.ts';
import { machineFor } from '../../workflows/machine-cache.ts';
import { loadSeed } from '../../workflows/rerun-seed.ts';
import { childRows } from './child-requests.ts';
import { codeDrive, haltedDrive, unregisteredDrive, yamlDrive, type Drive, type WorkflowRow } from './drives.ts';

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

async function openDrive(ctx: AttuneContext, tx: Queryable, wf: WorkflowRow, run: StoredRun | null, where: string): Promise<Drive> {
  if (!isCodeWorkflow(wf.workflow)) return yamlDrive(machineFor(wf.action_ref, wf.workflow), wf, run?.snapshot, run ? null : await loadSeed(tx, wf.id));
  if (wf.status === 'canceling' || isTerminal(wf.status)) return haltedDrive(wf, run);
  const machine = ctx.workflows.get(wf.action_ref);
  if (!machine) return unregisteredDrive(wf, run?.snapshot, where);
  const [last] = await tx<{ n: number }[]>`select coalesce(max(workflow_seq), 0)::int as n from execution where parent_id = ${wf.id}`;
  return codeDrive(machine, wf, run, (last?.n ?? 0) + 1);
}

/** `where`: this process, named in the reason a code workflow fails with when its machine is not registered here. */
export async function workflowStep(ctx: AttuneContext, sql: Sql, input: StepInput, where: string): Promise<Step | null> {
  return sql.begin(async (tx) => {
    const [wf] = await tx<WorkflowRow[]>`
      select e.id, e.status, e.parameters, e.trace, e.action_ref, e.parent_id, a.workflow
      from execution e join action a on a.ref = e.action_ref where e.id = ${input.workflowId} for update of e`;
    if (!wf?.workflow) return null;
    const run = await lockRun(tx, wf.id);
    if (!run && (!input.start || wf.status !== 'scheduled')) return null; // not started (yet), or ended before it started
    const drive = await openDrive(ctx, tx, wf, run, where);
    const finished = await tx<
      {
        id: number;
        workflow_seq: number;
        task_name: string;
        item_index: number | null;
        status: ExecutionStatus;
        result: unknown;
        status_reason: string | null;
      }[]
    >`
      select id, workflow_seq, task_name, item_index, status, result, status_reason from execution
      where parent_id = ${wf.id} and id = any(${input.childIds}::bigint[]) and status = any(${[...terminalStatuses]}::text[]) order by id`;
    const fresh = new Set(await markApplied(tx, wf.id, run ? finished.map((f) => f.id) : []));
    for (const f of finished) {
      if (!fresh.has(f.id)) continue;
      drive.send({
        type: 'CHILD_FINISHED',
        seq: f.workflow_seq,
        task: f.task_name,
        item: f.item_index,
        status: f.status,
        result: f.result,
        reason: f.status_reason,
      });
    }
    for (const c of input.commands) drive.send({ type: c === 'cancel' ? 'CANCEL' : c === 'pause' ? 'PAUSE' : 'RESUME' });
    const end = drive.end();
    crashPoint(ctx.config, 'workflow.before-commit');
    if (!run && !(await markWorkflowRunning(tx, wf.id))) return null;
    const inserted = await insertChildren(tx, wf, await childRows(ctx, tx, drive.requests));
    const unfinished = end.cancelChildren
      ? (await tx<{ id: number }[]>`select id from execution where parent_id = ${wf.id} and status <> all(${[...terminalStatuses]}::text[])`).map((r) => r.id)
      : [];
    const final = end.final ?? (end.endsWithChildren && unfinished.length === 0 ? 'canceled' : null);
    await saveRun(tx, wf.id, wf.action_ref, end.persisted, final ?? end.state);
    let ended: ExecutionStatus | null = isTerminal(wf.status) ? wf.status : null;
    if (final && (await finishWorkflow(tx, wf.id, final, end.result, end.reason))) ended = final;
    const requested = await tx<{ id: number; trace: string }[]>`select id, trace from execution where parent_id = ${wf.id} and status = 'requested'`;
    return {
      trace: wf.trace,
      requested: end.cancelChildren ? [] : requested,
      bornFinished: inserted.filter((i) => i.status === 'failed').map((i) => i.id),
      parentId: ended && wf.parent_id ? wf.parent_id : null,
      toCancel: unfinished,
      ended,
    };
  });
}
