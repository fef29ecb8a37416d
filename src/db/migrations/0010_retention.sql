-- Retention deletes finished executions: a rerun (retry_of) or child (parent_id) that outlives the
-- execution it points to keeps its row, with the link cleared.
alter table execution drop constraint execution_retry_of_fkey,
  add constraint execution_retry_of_fkey foreign key (retry_of) references execution(id) on delete set null;
alter table execution drop constraint execution_parent_id_fkey,
  add constraint execution_parent_id_fkey foreign key (parent_id) references execution(id) on delete set null;
create index enforcement_created_idx on enforcement (created_at);
