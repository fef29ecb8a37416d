/**
 * The execution store: the one writer of the `execution` table (and of `enforcement`, whose rows
 * are inserted with their executions in one statement). Every insert and every status change of
 * an execution is a function here, and each conditional update takes its `where status = any(…)`
 * from the lifecycle table (`transitionFrom`), so a late, repeated or racing writer changes nothing.
 * One statement per batch (`jsonb_to_recordset`, `= any(array)`): these are the hot paths.
 * Callers own the transaction (they pass `tx`), commit, and only then publish.
 * Reads for the API and the CLI are in `executions-repo.ts`.
 */
import { transitionFrom, type ExecutionStatus, type ReportedStatus } from '../domain/execution-lifecycle.ts';
import type { ActionPolicy } from '../domain/policy-schema.ts';
import type { ReportUpdate } from '../domain/report-folding.ts';
import type { StoredExecution } from './executions-repo.ts';
import type { Queryable } from './sql.ts';

/**
 * The transitions whose writer deliberately leaves fewer states than the table allows. Each is
 * checked against the table when this module loads (`transitionFrom` throws on a state outside it).
 */
export const narrowedFrom = {
  /** The scheduler decided on rows it read as `requested`: one canceled or delayed meanwhile is not its to schedule. */
  scheduled: transitionFrom('scheduled', ['requested']),
  /** "No live worker" fails only what still waits for one: an execution scheduled meanwhile runs. */
  failedWaiting: transitionFrom('failed', ['requested']),
  /** `abandoned` means "its worker died mid-run": a `scheduled` one has not started (the reconciler re-offers it). */
  abandoned: transitionFrom('abandoned', ['running', 'canceling']),
  /** Not started yet: straight to `canceled`. A running one needs its worker to stop it first. */
  canceledBeforeStart: transitionFrom('canceled', ['requested', 'scheduled', 'delayed']),
  /** Only a running execution has a process to stop; a queued one is canceled outright. */
  canceling: transitionFrom('canceling', ['running']),
} as const;

export interface NewExecution {
  actionRef: string;
  /** Secrets masked (see `actions/secrets.ts`). */
  parameters: Record<string, unknown>;
  /** The sealed secret parameters, or null. */
  secrets: string | null;
  timeoutMs: number | null;
  trace: string;
  attempt: number;
  retryOf: number | null;
  /** The effective policies (action's, overridden by the rule's), or null. */
  policy?: ActionPolicy | null;
  /** A manual run's idempotency key: unique while the row lives (migration 0052). */
  idempotencyKey?: string | null;
}

/**
 * A manual run or a rerun: the new execution, `requested`. With an idempotency key already used,
 * nothing is inserted and the execution that holds the key is returned, `fresh: false`.
 */
export async function insertRequested(db: Queryable, e: NewExecution): Promise<{ row: StoredExecution; fresh: boolean }> {
  const key = e.idempotencyKey ?? null;
  const [row] = await db<StoredExecution[]>`
    insert into execution (action_ref, parameters, secrets, status, trace, timeout_ms, attempt, retry_of, policy, idempotency_key)
    values (${e.actionRef}, ${db.json(e.parameters as never)}, ${e.secrets}, 'requested', ${e.trace}, ${e.timeoutMs}, ${e.attempt}, ${e.retryOf},
            ${e.policy ? db.json(e.policy) : null}, ${key})
    on conflict (idempotency_key) where idempotency_key is not null do nothing
    returning *`;
  if (row) return { row, fresh: true };
  // The key is taken. A separate statement: one racing insert committed after this statement's
  // snapshot began is visible only to the next one.
  const [held] = key === null ? [] : await db<StoredExecution[]>`select * from execution where idempotency_key = ${key}`;
  if (!held) throw new Error('insert of the execution returned nothing');
  return { row: held, fresh: false };
}

/** `requested` → `scheduled`, clearing the waiting reason; returns the ids that moved. */
export async function markScheduled(tx: Queryable, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await tx<{ id: number }[]>`
    update execution set status = 'scheduled', scheduled_at = now(), status_reason = null, waiting_since = null, updated_at = now()
    where id = any(${ids as number[]}::bigint[]) and status = any(${narrowedFrom.scheduled}::text[])
    returning id`;
  return rows.map((r) => r.id);
}

/** Why each execution still `requested` waits (not a status change); `waiting_since` keeps its first value. */
export async function markWaiting(tx: Queryable, waits: readonly { id: number; reason: string }[]): Promise<void> {
  if (waits.length === 0) return;
  await tx`
    update execution e set status_reason = x.reason, waiting_since = coalesce(e.waiting_since, now()), updated_at = now()
    from jsonb_to_recordset(${tx.json(waits)}) as x(id bigint, reason text)
    where e.id = x.id and e.status = 'requested'`;
}

/** Executions that waited for a worker too long → `failed`, the reason naming the runtime; returns the ids that moved. */
export async function failWaiting(db: Queryable, ids: readonly number[], gaveUpAfterS: number): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db<{ id: number }[]>`
    update execution set status = 'failed', finished_at = now(), updated_at = now(),
      status_reason = case
        when lower(a.runtime) = 'node' and coalesce(a.entry_point, '') = '' and coalesce(a.command, '') = ''
          then 'no live worker has an in-process handler for "' || a.ref || '"'
        else 'no live worker offers runtime "' || a.runtime || '"' end || ' (gave up after ' || ${gaveUpAfterS} || ' s)'
    from action a
    where a.ref = execution.action_ref and execution.id = any(${ids as number[]}::bigint[])
      and execution.status = any(${narrowedFrom.failedWaiting}::text[])
    returning execution.id`;
  return rows.map((r) => r.id);
}

export interface AppliedReport {
  id: number;
  status: ExecutionStatus;
  trace: string;
  attempt: number;
  /** Read with the row (no extra round trip): what the manager needs for retries and slots. */
  policy: ActionPolicy | null;
  /** The workflow this execution is a task of. */
  parent_id: number | null;
}

/**
 * Applies folded worker reports: one conditional update per target status, each from the states
 * the lifecycle allows (a late `running` after `succeeded` changes nothing). Returns what moved.
 * An `abandoned` report comes from the worker that found the entry of a lost one: `worker_id`
 * keeps naming the worker that ran the execution.
 */
export async function applyReports(tx: Queryable, updates: readonly ReportUpdate[]): Promise<AppliedReport[]> {
  const byStatus = new Map<ReportedStatus, ReportUpdate[]>();
  for (const u of updates) byStatus.set(u.status, [...(byStatus.get(u.status) ?? []), u]);
  const out: AppliedReport[] = [];
  for (const [status, rows] of byStatus) {
    const applied = await tx<AppliedReport[]>`
      update execution e set
        status = x.status,
        worker_id = case when x.status = 'abandoned' then coalesce(e.worker_id, x.worker_id) else coalesce(x.worker_id, e.worker_id) end,
        started_at = coalesce(e.started_at, x.started_at),
        finished_at = coalesce(x.finished_at, e.finished_at),
        result = coalesce(x.result, e.result),
        exit_code = coalesce(x.exit_code, e.exit_code),
        stdout = coalesce(x.stdout, e.stdout),
        stderr = coalesce(x.stderr, e.stderr),
        status_reason = coalesce(x.reason, e.status_reason),
        updated_at = now()
      from jsonb_to_recordset(${tx.json(rows as never)}) as x(
        id bigint, status text, worker_id text, started_at timestamptz, finished_at timestamptz,
        result jsonb, exit_code integer, stdout text, stderr text, reason text)
      where e.id = x.id and e.status = any(${transitionFrom(status)}::text[])
      returning e.id, e.status, e.trace, e.attempt, e.policy, e.parent_id`;
    out.push(...applied);
  }
  return out;
}

/**
 * Executions `requested` or `scheduled` (not waiting for a worker) untouched for `staleMs`: their
 * `updated_at` is bumped so that they wait another period (not a status change), and they are
 * returned to be re-published. `skip locked`: the reconcilers of several managers share the work.
 */
export async function touchStale(db: Queryable, staleMs: number, limit: number): Promise<{ id: number; trace: string }[]> {
  return db<{ id: number; trace: string }[]>`
    update execution set updated_at = now()
    where id in (
      select id from execution
      where status in ('requested', 'scheduled') and waiting_since is null
        and updated_at < now() - make_interval(secs => ${staleMs / 1000})
      order by id limit ${limit}
      for update skip locked)
    returning id, trace`;
}

/** Executions running (or canceling) on a worker without news for `idleMs`: who may have lost its worker. */
export async function silentOnWorkers(db: Queryable, idleMs: number, limit: number): Promise<{ id: number; worker_id: string }[]> {
  return db<{ id: number; worker_id: string }[]>`
    select id, worker_id from execution
    where status = any(${narrowedFrom.abandoned}::text[]) and worker_id is not null
      and updated_at < now() - make_interval(secs => ${idleMs / 1000})
    order by id limit ${limit}`;
}

/** Executions whose worker was lost mid-run → `abandoned`, not run again; returns the ids that moved. */
export async function markAbandoned(db: Queryable, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db<{ id: number }[]>`
    update execution set status = 'abandoned', finished_at = now(), updated_at = now(),
      status_reason = 'worker ' || worker_id || ' stopped heartbeating while running this execution; not run again'
    where id = any(${ids as number[]}::bigint[]) and status = any(${narrowedFrom.abandoned}::text[])
    returning id`;
  return rows.map((r) => r.id);
}

/** An execution that has not started → `canceled`. Null when it is not (or no longer) queued. */
export async function cancelBeforeStart(db: Queryable, id: number): Promise<StoredExecution | null> {
  const [row] = await db<StoredExecution[]>`
    update execution set status = 'canceled', status_reason = 'canceled before it started', finished_at = now(), updated_at = now()
    where id = ${id} and status = any(${narrowedFrom.canceledBeforeStart}::text[]) returning *`;
  return row ?? null;
}

/** A running execution → `canceling`, until its worker reports how it ended. Null when it is not running. */
export async function markCanceling(db: Queryable, id: number): Promise<StoredExecution | null> {
  const [row] = await db<StoredExecution[]>`
    update execution set status = 'canceling', status_reason = 'cancel requested', updated_at = now()
    where id = ${id} and status = any(${narrowedFrom.canceling}::text[]) returning *`;
  return row ?? null;
}

export { finishWorkflow, insertChildren, markWorkflowRunning, type ChildToInsert } from './execution-store-workflow.ts';

export { insertEnforced, type EnforcedExecution } from './execution-store-enforced.ts';
