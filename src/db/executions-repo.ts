/** Reads of executions for the API and CLI. Every write is in `execution-store.ts`. */
import type { Sql } from 'postgres';
import { NotFoundError, WaitTimeoutError } from '../errors.ts';
import { isTerminal, type ExecutionStatus } from '../domain/execution-lifecycle.ts';

export interface ExecutionRow {
  id: number;
  enforcement_id: number | null;
  action_ref: string;
  parameters: Record<string, unknown>;
  status: ExecutionStatus;
  status_reason: string | null;
  result: Record<string, unknown> | null;
  exit_code: number | null;
  stdout: string | null;
  stderr: string | null;
  worker_id: string | null;
  trace: string;
  attempt: number;
  retry_of: number | null;
  /** The workflow this execution is a task of, with the task's name and item index. */
  parent_id: number | null;
  task_name: string | null;
  item_index: number | null;
  requested_at: Date;
  scheduled_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  /** A manual run's idempotency key, if it was given one. */
  idempotency_key: string | null;
}

/** The row as stored, with the sealed secrets: never handed out (see `withoutSecrets`). */
export interface StoredExecution extends ExecutionRow {
  secrets: string | null;
  timeout_ms: number | null;
}

export interface ListOptions {
  status?: ExecutionStatus;
  action?: string;
  trace?: string;
  /** Children of this execution (a workflow's tasks). */
  parent?: number;
  /** Keyset pagination: only executions with a smaller id (the last id of the previous page). */
  before?: number;
  limit?: number;
}

export async function getExecution(sql: Sql, id: number): Promise<ExecutionRow | null> {
  const [row] = await sql<ExecutionRow[]>`select * from execution where id = ${id}`;
  return row ?? null;
}

export async function listExecutions(sql: Sql, o: ListOptions = {}): Promise<ExecutionRow[]> {
  const limit = Math.min(Math.max(o.limit ?? 50, 1), 10_000);
  return sql<ExecutionRow[]>`
    select * from execution
    where true ${o.status ? sql`and status = ${o.status}` : sql``} ${o.action ? sql`and action_ref = ${o.action}` : sql``}
      ${o.trace ? sql`and trace = ${o.trace}` : sql``} ${o.parent ? sql`and parent_id = ${o.parent}` : sql``}
      ${o.before ? sql`and id < ${o.before}` : sql``}
    order by id desc limit ${limit}`;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** Wait until this predicate holds; default: a terminal status. */
  until?: (row: ExecutionRow) => boolean;
}

/** Polls until the execution reaches a terminal state (or `until`), or throws after the deadline. */
export async function waitForExecution(sql: Sql, id: number, o: WaitOptions = {}): Promise<ExecutionRow> {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const until = o.until ?? ((r: ExecutionRow) => isTerminal(r.status));
  for (;;) {
    const row = await getExecution(sql, id);
    if (!row) throw new NotFoundError(`execution ${id} does not exist`);
    if (until(row)) return row;
    if (Date.now() > deadline)
      throw new WaitTimeoutError(`execution ${id} still ${row.status} after ${o.timeoutMs ?? 60_000} ms (it goes on; wait again or cancel it)`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? 100));
  }
}

/** One attempt of a retry chain. */
export interface ChainLink {
  id: number;
  attempt: number;
  status: ExecutionStatus;
  status_reason: string | null;
  requested_at: Date;
  not_before: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Every attempt of the retry chain the execution belongs to (first to last, linked by `retry_of`). */
export async function executionChain(sql: Sql, id: number): Promise<ChainLink[]> {
  return sql<ChainLink[]>`
    with recursive up as (
      select id, retry_of from execution where id = ${id}
      union all
      select e.id, e.retry_of from execution e join up on e.id = up.retry_of),
    down as (
      select id from up where retry_of is null
      union all
      select e.id from execution e join down on e.retry_of = down.id)
    select id, attempt, status, status_reason, requested_at, not_before, started_at, finished_at
    from execution where id in (select id from down) order by id`;
}

/** How many executions there are per action and status (for `/metrics`). */
export async function countExecutions(sql: Sql): Promise<{ action: string; status: string; n: number }[]> {
  return sql<{ action: string; status: string; n: number }[]>`select action_ref as action, status, count(*)::int as n from execution group by 1, 2`;
}
