-- Live feed of execution status changes: every insert and every status change of an execution is
-- announced by NOTIFY on the channel `attune_exec_<schema>` (delivered at commit, so a listener
-- never sees a change that was rolled back). The HTTP server's SSE feed and metrics listen to it.
create function attune_execution_notify() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    perform pg_notify('attune_exec_' || tg_table_schema, json_build_object(
      'id', new.id, 'status', new.status, 'action', new.action_ref, 'trace', new.trace,
      'parent', new.parent_id, 'worker', new.worker_id,
      'queueMs', (extract(epoch from (new.started_at - new.requested_at)) * 1000)::bigint,
      'durationMs', (extract(epoch from (new.finished_at - new.started_at)) * 1000)::bigint)::text);
  end if;
  return null;
end $$;
create trigger execution_notify after insert or update of status on execution
  for each row execute function attune_execution_notify();
