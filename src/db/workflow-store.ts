/**
 * The workflow tables: `workflow_run` (each workflow's persisted machine snapshot) and
 * `workflow_applied` (which finished children a workflow has applied). Written by the workflow
 * actor only, inside the transaction that also inserts the step's children.
 */
import type { Queryable } from './sql.ts';

export interface StoredRun {
  snapshot: unknown;
  state: string;
  steps: number;
}

/** The run of a workflow, locked until the transaction ends; null before its first step. */
export async function lockRun(tx: Queryable, id: number): Promise<StoredRun | null> {
  const [row] = await tx<StoredRun[]>`select snapshot, state, steps from workflow_run where execution_id = ${id} for update`;
  return row ?? null;
}

export async function saveRun(tx: Queryable, id: number, actionRef: string, snapshot: unknown, state: string): Promise<void> {
  await tx`
    insert into workflow_run (execution_id, action_ref, snapshot, state, steps) values (${id}, ${actionRef}, ${tx.json(snapshot as never)}, ${state}, 1)
    on conflict (execution_id) do update set snapshot = excluded.snapshot, state = excluded.state, steps = workflow_run.steps + 1, updated_at = now()`;
}

/** Records children as applied; returns only those not applied before (a redelivery gets none). */
export async function markApplied(tx: Queryable, workflowId: number, childIds: readonly number[]): Promise<number[]> {
  if (childIds.length === 0) return [];
  const rows = await tx<{ child_id: number }[]>`
    insert into workflow_applied (workflow_id, child_id) select ${workflowId}, unnest(${childIds as number[]}::bigint[])
    on conflict do nothing returning child_id`;
  return rows.map((r) => r.child_id);
}

/**
 * Finished children of unfinished workflows that were never applied, finished more than `idleMs`
 * ago: their `workflow.child_finished` was lost (a process died between commit and publish, or
 * the child ended without a worker report: canceled before start, no worker, abandoned).
 */
export async function unappliedChildren(db: Queryable, idleMs: number, limit: number): Promise<{ workflow_id: number; child_id: number; trace: string }[]> {
  return db<{ workflow_id: number; child_id: number; trace: string }[]>`
    select c.parent_id as workflow_id, c.id as child_id, c.trace
    from workflow_run w join execution c on c.parent_id = w.execution_id
    where w.state not in ('succeeded', 'failed', 'canceled') and c.finished_at < now() - make_interval(secs => ${idleMs / 1000})
      and not exists (select 1 from workflow_applied a where a.workflow_id = w.execution_id and a.child_id = c.id)
    order by c.id limit ${limit}`;
}
