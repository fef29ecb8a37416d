-- Rerun of a workflow from a task (issue 12): the new workflow execution starts from the named
-- task with the context the original had when it ended (published values, join arrivals, task
-- statuses). Inserted in the transaction that inserts the new execution; read by its first step.

create table workflow_seed (
  execution_id bigint primary key references execution(id),
  rerun_of     bigint not null references execution(id),
  from_task    text not null,
  ctx          jsonb not null,
  arrivals     jsonb not null,
  tasks        jsonb not null
);
