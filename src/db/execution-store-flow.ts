/**
 * The execution store, its rule flow-control part (with `execution-store.ts`, the one writer of
 * `execution` and `enforcement`): open debounce windows (`debounce_window`, one row per rule and
 * key: the last event and the execution it would request) and their firing. The row is the
 * deadline, so a window open when every process dies still fires: the next sweeper finds it.
 */
import type { ActionPolicy } from '../domain/policy-schema.ts';
import type { Queryable } from './sql.ts';

/** A debounced match: the execution it would request if it is still the last when the window closes. */
export interface DebouncedMatch {
  ruleId: number;
  key: string;
  eventId: string;
  actionRef: string;
  parameters: Record<string, unknown>;
  secrets: string | null;
  trace: string;
  policy: ActionPolicy | null;
  waitMs: number;
  /** Null: no cap, the window stays open while events keep coming. */
  maxWaitMs: number | null;
}

/**
 * Opens or extends the windows of these matches (in arrival order), in the enforcer's transaction,
 * before their enforcements are inserted: an event already enforced (a redelivery) is left out, so
 * it neither counts twice nor reopens a window that fired. The last event of a key wins; the window
 * fires `wait` after it, but no later than `max_wait` after the window opened.
 */
export async function openDebounceWindows(tx: Queryable, matches: readonly DebouncedMatch[]): Promise<void> {
  if (matches.length === 0) return;
  const rows = matches.map((m, ord) => ({
    ord,
    rule_id: m.ruleId,
    flow_key: m.key,
    event_id: m.eventId,
    action_ref: m.actionRef,
    parameters: m.parameters,
    secrets: m.secrets,
    trace: m.trace,
    policy: m.policy,
    wait_ms: m.waitMs,
    max_wait_ms: m.maxWaitMs,
  }));
  await tx`
    with x as (
      select * from jsonb_to_recordset(${tx.json(rows as never)}) as x(
        ord int, rule_id bigint, flow_key text, event_id uuid, action_ref text, parameters jsonb, secrets text, trace text, policy jsonb,
        wait_ms bigint, max_wait_ms bigint)),
    fresh as (
      select *, count(*) over (partition by rule_id, flow_key) as n from x
      where not exists (select 1 from enforcement f where f.rule_id = x.rule_id and f.event_id = x.event_id)),
    last as (select distinct on (rule_id, flow_key) * from fresh order by rule_id, flow_key, ord desc)
    insert into debounce_window as d (rule_id, flow_key, event_id, action_ref, parameters, secrets, trace, policy, events, first_at, fire_at)
    select rule_id, flow_key, event_id, action_ref, parameters, secrets, trace, policy, n, now(),
           now() + make_interval(secs => least(wait_ms, coalesce(max_wait_ms, wait_ms)) / 1000.0)
    from last
    on conflict (rule_id, flow_key) do update set
      event_id = excluded.event_id, action_ref = excluded.action_ref, parameters = excluded.parameters, secrets = excluded.secrets,
      trace = excluded.trace, policy = excluded.policy, events = d.events + excluded.events,
      fire_at = (select least(now() + make_interval(secs => l.wait_ms / 1000.0),
                              coalesce(d.first_at + make_interval(secs => l.max_wait_ms / 1000.0), 'infinity'))
                 from last l where l.rule_id = excluded.rule_id and l.flow_key = excluded.flow_key)`;
}

/**
 * Fires the windows whose time came, in one transaction: each window is deleted, its last event's
 * enforcement becomes `created` and gets its execution (`requested`). `skip locked` and the delete
 * make each window fire once, however many sweepers run. Returns the executions to publish.
 */
export async function fireDueDebounces(db: Queryable, limit: number): Promise<{ id: number; trace: string }[]> {
  return db<{ id: number; trace: string }[]>`
    with due as (
      select rule_id, flow_key from debounce_window where fire_at <= now() order by fire_at limit ${limit} for update skip locked),
    w as (
      delete from debounce_window d using due where d.rule_id = due.rule_id and d.flow_key = due.flow_key
      returning d.*),
    enf as (
      update enforcement f set status = 'created', reason = 'debounce fired after ' || w.events || ' event(s) (key "' || w.flow_key || '")'
      from w where f.rule_id = w.rule_id and f.event_id = w.event_id
      returning f.id, w.action_ref, w.parameters, w.secrets, w.trace, w.policy)
    insert into execution (enforcement_id, action_ref, parameters, secrets, status, trace, policy)
    select id, action_ref, parameters, secrets, 'requested', trace, policy from enf
    on conflict (enforcement_id) do nothing
    returning id, trace`;
}
