/** Reads of workflows for the API and CLI: an execution with its tasks (recursively) and its published context. */
import type { ExecutionRow } from './executions-repo.ts';
import type { Sql } from './sql.ts';

export interface ExecutionTree {
  execution: ExecutionRow;
  /** For a workflow: its machine state and what its transitions published (`ctx`; a code-defined machine: its whole context). */
  workflow: { state: string; ctx: Record<string, unknown>; steps: number } | null;
  children: ExecutionTree[];
}

interface RunRow {
  execution_id: number;
  state: string;
  steps: number;
  ctx: Record<string, unknown> | null;
}

export async function executionTree(sql: Sql, id: number): Promise<ExecutionTree | null> {
  const rows = await sql<ExecutionRow[]>`
    with recursive t as (
      select * from execution where id = ${id}
      union all
      select e.* from execution e join t on e.parent_id = t.id)
    select * from t order by id`;
  if (rows.length === 0) return null;
  const runs = await sql<RunRow[]>`
    select w.execution_id, w.state, w.steps,
           case when a.workflow->'code' = 'true'::jsonb then w.snapshot->'context' else w.snapshot->'context'->'ctx' end as ctx
    from workflow_run w left join action a on a.ref = w.action_ref where w.execution_id = any(${rows.map((r) => r.id)}::bigint[])`;
  const nodes = new Map<number, ExecutionTree>();
  for (const r of rows) {
    const run = runs.find((w) => w.execution_id === r.id);
    nodes.set(r.id, { execution: r, workflow: run ? { state: run.state, ctx: run.ctx ?? {}, steps: run.steps } : null, children: [] });
  }
  for (const r of rows) if (r.parent_id !== null && r.id !== id) nodes.get(r.parent_id)?.children.push(nodes.get(r.id) as ExecutionTree);
  return nodes.get(id) ?? null;
}
