-- Workflows (issue 12). A workflow is an execution of an action with runtime `workflow`; its
-- machine's persisted snapshot is in workflow_run, committed with the child executions each step
-- asks for. Children are ordinary executions linked by parent_id, with the task name, the item
-- index and the step's sequence number, unique per workflow (a replayed step inserts nothing).

alter table action add column workflow jsonb;

alter table execution
  add column task_name text,
  add column item_index integer,
  add column workflow_seq integer;
create unique index execution_workflow_seq_idx on execution (parent_id, workflow_seq) where parent_id is not null;
create index execution_parent_idx on execution (parent_id) where parent_id is not null;

create table workflow_run (
  execution_id bigint primary key references execution(id),
  action_ref   text not null,
  -- the xstate persisted snapshot (getPersistedSnapshot), JSON only
  snapshot     jsonb not null,
  state        text not null,
  steps        integer not null default 0,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);

-- Which finished children a workflow has applied: a redelivered `workflow.child_finished` finds
-- its row and changes nothing.
create table workflow_applied (
  workflow_id bigint not null references workflow_run(execution_id) on delete cascade,
  child_id    bigint not null,
  primary key (workflow_id, child_id)
);
