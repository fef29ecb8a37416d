-- Keyset pagination of the executions list (`id < cursor order by id desc`) under a filter.
create index execution_action_id_idx on execution (action_ref, id);
create index execution_status_id_idx on execution (status, id);
create index execution_trace_idx on execution (trace);
