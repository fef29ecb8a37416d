/**
 * The execution store, its policy part (with `execution-store.ts`, the one writer of `execution`):
 * retries born `delayed` with `not_before`, executions held back by a concurrency or rate limit,
 * and the promotion of those whose time came back to `requested`. Each conditional update takes
 * its `where status = any(…)` from the lifecycle table (`transitionFrom`).
 */
import { transitionFrom } from '../domain/execution-lifecycle.ts';
import type { PlannedRetry } from '../domain/retry-plan.ts';
import type { Queryable } from './sql.ts';

export const policyFrom = {
  /** A concurrency or rate limit holds back only what the scheduler read as `requested`. */
  delayed: transitionFrom('delayed', ['requested']),
  /** A delayed execution whose time (or slot) came goes back to the scheduler. */
  requestedAgain: transitionFrom('requested', ['delayed']),
  /** `on_limit: cancel`: never started. */
  canceledOnLimit: transitionFrom('canceled', ['requested', 'delayed']),
} as const;

/**
 * The next attempts of executions that just failed: each a new execution (same action, parameters,
 * secrets, trace and policy), `attempt + 1`, linked by `retry_of`, born `delayed` until `not_before`.
 * Runs in the transaction that applied the final status, so the schedule commits with it; an attempt
 * already there is not inserted twice. Returns the new ids.
 */
export async function insertRetries(tx: Queryable, retries: readonly PlannedRetry[]): Promise<{ id: number; retry_of: number }[]> {
  if (retries.length === 0) return [];
  return tx<{ id: number; retry_of: number }[]>`
    insert into execution (action_ref, parameters, secrets, status, status_reason, trace, timeout_ms, attempt, retry_of, policy, not_before)
    select e.action_ref, e.parameters, e.secrets, 'delayed', x.reason, e.trace, e.timeout_ms, e.attempt + 1, e.id, e.policy,
           now() + make_interval(secs => x.delay_ms / 1000.0)
    from jsonb_to_recordset(${tx.json(retries.map((r) => ({ id: r.id, delay_ms: r.delayMs, reason: r.reason })))}) as x(id bigint, delay_ms integer, reason text)
    join execution e on e.id = x.id
    where not exists (select 1 from execution r where r.retry_of = e.id and r.attempt = e.attempt + 1)
    returning id, retry_of`;
}

/** `requested` → `delayed` with the reason (and `not_before` for a time-bound wait); returns the ids that moved. */
export async function markDelayed(tx: Queryable, delays: readonly { id: number; reason: string; notBefore: string | null }[]): Promise<number[]> {
  if (delays.length === 0) return [];
  const rows = await tx<{ id: number }[]>`
    update execution e set status = 'delayed', status_reason = x.reason, not_before = x.not_before, updated_at = now()
    from jsonb_to_recordset(${tx.json(delays.map((d) => ({ id: d.id, reason: d.reason, not_before: d.notBefore })))}) as x(id bigint, reason text, not_before timestamptz)
    where e.id = x.id and e.status = any(${policyFrom.delayed}::text[])
    returning e.id`;
  return rows.map((r) => r.id);
}

/** `on_limit: cancel` → `canceled` with the reason; returns the ids that moved. */
export async function cancelOnLimit(tx: Queryable, ids: readonly number[], reason: string): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await tx<{ id: number }[]>`
    update execution set status = 'canceled', status_reason = ${reason}, finished_at = now(), updated_at = now()
    where id = any(${ids as number[]}::bigint[]) and status = any(${policyFrom.canceledOnLimit}::text[])
    returning id`;
  return rows.map((r) => r.id);
}

/**
 * Delayed executions whose `not_before` passed (a retry's backoff, a rate-limit window), or the given
 * ones waiting for a slot (`ids`, woken when a slot freed) → `requested`. `skip locked`: the sweepers
 * of several managers share the work, and each row moves once. Returns what moved, to be published.
 */
export async function promoteDelayed(db: Queryable, o: { due?: boolean; ids?: readonly number[]; limit: number }): Promise<{ id: number; trace: string }[]> {
  const ids = (o.ids ?? []) as number[];
  return db<{ id: number; trace: string }[]>`
    update execution set status = 'requested', status_reason = null, not_before = null, updated_at = now()
    where id in (
      select id from execution
      where status = 'delayed' and (
        ${o.due ? db`(not_before <= now())` : db`false`} or (id = any(${ids}::bigint[]) and not_before is null))
      order by id limit ${o.limit}
      for update skip locked)
      and status = any(${policyFrom.requestedAgain}::text[])
    returning id, trace`;
}
