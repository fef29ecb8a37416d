/**
 * The execution store's workflow part (re-exported by `execution-store.ts`, the one writer of the
 * `execution` table): a workflow's start and end, and the child executions a step asks for.
 * Conditional updates take their `from` states from the lifecycle table.
 */
import { transitionFrom, type ExecutionStatus } from '../domain/execution-lifecycle.ts';
import type { Queryable } from './sql.ts';

/** A workflow starts from `scheduled` (the scheduler routed it to the workflow actor). */
const workflowRunningFrom = transitionFrom('running', ['scheduled']);

export interface ChildToInsert {
  /** Unique per workflow: a replayed step inserts nothing. */
  seq: number;
  task: string;
  item: number | null;
  attempt: number;
  actionRef: string;
  parameters: Record<string, unknown>;
  secrets: string | null;
  timeoutMs: number | null;
  /** A retry's wait: born `delayed` with `not_before` (the delay sweeper starts it); 0: `requested`. */
  delayMs: number;
  /** Why it cannot run (unknown action, bad parameters): it is born `failed` with this reason. */
  error: string | null;
}

/**
 * Inserts a step's children (`requested`, `delayed` for a retry with a delay, or `failed` with their error), linked by `parent_id`,
 * task name, item index and `workflow_seq`; on conflict (parent_id, workflow_seq) nothing.
 * Returns the children inserted now.
 */
export async function insertChildren(
  tx: Queryable,
  parent: { id: number; trace: string },
  children: readonly ChildToInsert[],
): Promise<{ id: number; status: ExecutionStatus; trace: string }[]> {
  if (children.length === 0) return [];
  const rows = children.map((c) => ({
    seq: c.seq,
    task: c.task,
    item: c.item,
    attempt: c.attempt,
    action_ref: c.actionRef,
    parameters: c.parameters,
    secrets: c.error ? null : c.secrets,
    timeout_ms: c.timeoutMs,
    status: c.error ? 'failed' : c.delayMs > 0 ? 'delayed' : 'requested',
    reason: c.error ?? (c.delayMs > 0 ? `retry of task "${c.task}" (attempt ${c.attempt}) waits ${c.delayMs} ms` : null),
    delay_ms: c.delayMs,
  }));
  return tx<{ id: number; status: ExecutionStatus; trace: string }[]>`
    insert into execution (parent_id, workflow_seq, task_name, item_index, attempt, action_ref, parameters, secrets, timeout_ms, status, status_reason, trace, finished_at, not_before)
    select ${parent.id}, x.seq, x.task, x.item, x.attempt, x.action_ref, x.parameters, x.secrets, x.timeout_ms, x.status, x.reason, ${parent.trace},
           case when x.status = 'failed' then now() end, case when x.status = 'delayed' then now() + make_interval(secs => x.delay_ms / 1000.0) end
    from jsonb_to_recordset(${tx.json(rows as never)}) as x(
      seq integer, task text, item integer, attempt integer, action_ref text, parameters jsonb, secrets text, timeout_ms integer, status text, reason text, delay_ms integer)
    order by x.seq
    on conflict (parent_id, workflow_seq) where parent_id is not null do nothing
    returning id, status, trace`;
}

/** `scheduled` → `running`: the workflow actor created its machine. False when it was not scheduled. */
export async function markWorkflowRunning(tx: Queryable, id: number): Promise<boolean> {
  const rows = await tx`
    update execution set status = 'running', started_at = now(), updated_at = now()
    where id = ${id} and status = any(${workflowRunningFrom}::text[]) returning id`;
  return rows.length > 0;
}

/** The machine reached a final state: the workflow execution ends with it (from any state the table allows). */
export async function finishWorkflow(
  tx: Queryable,
  id: number,
  status: 'succeeded' | 'failed' | 'canceled',
  result: Record<string, unknown>,
  reason: string | null,
): Promise<boolean> {
  const rows = await tx`
    update execution set status = ${status}, result = ${tx.json(result as never)}, status_reason = ${reason}, finished_at = now(), updated_at = now()
    where id = ${id} and status = any(${transitionFrom(status)}::text[]) returning id`;
  return rows.length > 0;
}
