-- Attune schema, version 1. Unique constraints make every stage idempotent:
-- event(id), event(dedupe_key), enforcement(rule_id, event_id), execution(enforcement_id).

create table pack (
  ref         text primary key,
  version     text not null default '0.0.0',
  description text not null default '',
  path        text,
  loaded_at   timestamptz not null default now()
);

create table trigger (
  ref            text primary key,
  pack           text not null references pack(ref) on delete cascade,
  name           text not null,
  description    text not null default '',
  parameters     jsonb not null default '{}',
  payload_schema jsonb not null default '{}'
);

create table trigger_instance (
  id          bigint generated always as identity primary key,
  trigger_ref text not null references trigger(ref) on delete cascade,
  parameters  jsonb not null default '{}',
  params_hash text not null,
  created_at  timestamptz not null default now(),
  unique (trigger_ref, params_hash)
);

create table action (
  ref         text primary key,
  pack        text not null references pack(ref) on delete cascade,
  name        text not null,
  description text not null default '',
  runtime     text not null,
  command     text,
  entry_point text,
  pack_path   text,
  parameters  jsonb not null default '{}',
  timeout_ms  integer,
  updated_at  timestamptz not null default now()
);

create table rule (
  id                  bigint generated always as identity primary key,
  ref                 text not null unique,
  pack                text not null,
  description         text not null default '',
  enabled             boolean not null default true,
  trigger_ref         text not null references trigger(ref),
  trigger_instance_id bigint references trigger_instance(id),
  criteria            jsonb not null default '{}',
  action_ref          text not null references action(ref),
  action_params       jsonb not null default '{}',
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);
create index rule_trigger_idx on rule (trigger_ref) where enabled;

create table event (
  id                  uuid primary key,
  trigger_ref         text not null,
  trigger_instance_id bigint,
  payload             jsonb not null default '{}',
  dedupe_key          text unique,
  trace               text not null,
  occurred_at         timestamptz not null,
  created_at          timestamptz not null default now()
);
create index event_created_idx on event (created_at);

create table enforcement (
  id         bigint generated always as identity primary key,
  rule_id    bigint references rule(id) on delete set null,
  rule_ref   text not null,
  event_id   uuid not null references event(id),
  status     text not null default 'created',
  reason     text,
  trace      text not null,
  created_at timestamptz not null default now(),
  unique (rule_id, event_id)
);
create index enforcement_event_idx on enforcement (event_id);

create table execution (
  id             bigint generated always as identity primary key,
  enforcement_id bigint unique references enforcement(id),
  action_ref     text not null,
  parameters     jsonb not null default '{}',
  status         text not null default 'requested',
  status_reason  text,
  result         jsonb,
  exit_code      integer,
  stdout         text,
  stderr         text,
  worker_id      text,
  trace          text not null,
  attempt        integer not null default 1,
  retry_of       bigint references execution(id),
  parent_id      bigint references execution(id),
  timeout_ms     integer,
  requested_at   timestamptz not null default now(),
  waiting_since  timestamptz,
  scheduled_at   timestamptz,
  started_at     timestamptz,
  finished_at    timestamptz,
  updated_at     timestamptz not null default now()
);
create index execution_status_idx on execution (status, requested_at);
create index execution_finished_idx on execution (finished_at) where finished_at is not null;

create table worker (
  id             text primary key,
  host           text not null,
  runtimes       text[] not null,
  concurrency    integer not null,
  version        text not null,
  started_at     timestamptz not null,
  last_heartbeat timestamptz not null
);
