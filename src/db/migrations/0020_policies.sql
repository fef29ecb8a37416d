-- Action policies (retry, concurrency, rate limit) and rule flow control (docs/policies.md).
-- `action.policy` is the action's own, `rule.policy` a rule's override (`action.policy` in its YAML);
-- `execution.policy` is the effective one, copied at creation, so the scheduler and the manager read
-- it with the row they already read (an execution without policies costs nothing more).
alter table action add column if not exists policy jsonb;
alter table action add column if not exists idempotent boolean not null default false;
alter table rule add column if not exists policy jsonb;
alter table rule add column if not exists flow jsonb;
alter table execution add column if not exists policy jsonb;
-- A `delayed` execution with `not_before` waits for a time (a retry's backoff, a rate-limit window);
-- without it, for a concurrency slot. The row is the schedule: it survives every process dying.
alter table execution add column if not exists not_before timestamptz;
create index if not exists execution_delayed_idx on execution (not_before) where status = 'delayed';
create index if not exists execution_retry_of_idx on execution (retry_of) where retry_of is not null;
-- What flow control decided for an enforcement (`throttled`, `debounced`, `deduplicated`) is its
-- status; the key it decided on is here.
alter table enforcement add column if not exists flow_key text;
-- An open debounce window per rule and key: the last event, its rendered execution, and when it fires.
create table if not exists debounce_window (
  rule_id      bigint not null references rule(id) on delete cascade,
  flow_key     text not null,
  event_id     uuid not null,
  action_ref   text not null,
  parameters   jsonb not null default '{}',
  secrets      text,
  trace        text not null,
  policy       jsonb,
  events       integer not null default 1,
  first_at     timestamptz not null default now(),
  fire_at      timestamptz not null,
  primary key (rule_id, flow_key)
);
create index if not exists debounce_window_fire_idx on debounce_window (fire_at);
