-- A manual run may carry an idempotency key (`attune.run(…, { idempotencyKey })`, the API's
-- `Idempotency-Key` header, `attune run --idempotency-key`): a client that retries after a lost
-- answer gets the execution it already created instead of a second one. Unique while the row lives
-- (retention deletes it with its execution).
alter table execution add column if not exists idempotency_key text;
create unique index if not exists execution_idempotency_key_idx on execution (idempotency_key) where idempotency_key is not null;
