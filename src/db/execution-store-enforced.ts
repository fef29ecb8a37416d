/**
 * The execution store, its enforcement part (with `execution-store.ts`, the one writer of
 * `execution` and `enforcement`): the enforcements a batch of events made, each with its execution,
 * or with what flow control decided (then none).
 */
import type { ActionPolicy } from '../domain/policy-schema.ts';
import type { Queryable } from './sql.ts';

/** An enforcement a rule made of an event, and the execution it requests. */
export interface EnforcedExecution {
  ruleId: number;
  ruleRef: string;
  eventId: string;
  trace: string;
  actionRef: string;
  parameters: Record<string, unknown>;
  secrets: string | null;
  /** Why the execution cannot run (bad parameters): it is born `failed` with this reason, its enforcement too. */
  error: string | null;
  policy: ActionPolicy | null;
  /** What the rule's flow control decided when it held the execution back (none is inserted), with the key. */
  flow?: { status: 'throttled' | 'debounced' | 'deduplicated'; key: string; reason: string } | null;
}

/**
 * Inserts the enforcements and their executions in one statement, and returns every execution of
 * these events still `requested`, new or found again (a redelivered batch re-publishes those).
 * Unique keys make it idempotent: enforcement(rule_id, event_id), execution(enforcement_id).
 * Each CTE's insert is invisible to its sibling reads (one snapshot), so `inserted ∪ already there`
 * is every row exactly once.
 */
export async function insertEnforced(
  tx: Queryable,
  planned: readonly EnforcedExecution[],
  eventIds: readonly string[],
): Promise<{ id: number; trace: string }[]> {
  if (planned.length === 0) return [];
  const rows = planned.map((p) => ({
    rule_id: p.ruleId,
    rule_ref: p.ruleRef,
    event_id: p.eventId,
    trace: p.trace,
    enf_status: p.flow?.status ?? (p.error ? 'failed' : 'created'),
    flow_key: p.flow?.key ?? null,
    action_ref: p.actionRef,
    parameters: p.parameters,
    secrets: p.error ? null : p.secrets,
    status: p.error ? 'failed' : 'requested',
    reason: p.flow?.reason ?? p.error,
    policy: p.policy,
  }));
  return tx<{ id: number; trace: string }[]>`
    with x as (
      select * from jsonb_to_recordset(${tx.json(rows as never)}) as x(
        rule_id bigint, rule_ref text, event_id uuid, trace text, enf_status text, flow_key text, action_ref text, parameters jsonb, secrets text, status text,
        reason text, policy jsonb)),
    enf_ins as (
      insert into enforcement (rule_id, rule_ref, event_id, trace, status, reason, flow_key)
      select rule_id, rule_ref, event_id, trace, enf_status, reason, flow_key from x
      on conflict do nothing
      returning id, rule_id, event_id, status),
    enf as (
      select id, rule_id, event_id, status from enf_ins
      union all
      select id, rule_id, event_id, status from enforcement where event_id = any(${eventIds as string[]}::uuid[])),
    exec_ins as (
      insert into execution (enforcement_id, action_ref, parameters, secrets, status, status_reason, trace, finished_at, policy)
      select enf.id, x.action_ref, x.parameters, x.secrets, x.status, x.reason, x.trace, case when x.status = 'failed' then now() end, x.policy
      from x join enf on enf.rule_id = x.rule_id and enf.event_id = x.event_id
      where enf.status in ('created', 'failed')
      on conflict (enforcement_id) do nothing
      returning id, trace, status)
    select id, trace from exec_ins where status = 'requested'
    union all
    select e.id, e.trace from execution e join enf on e.enforcement_id = enf.id where e.status = 'requested'`;
}
