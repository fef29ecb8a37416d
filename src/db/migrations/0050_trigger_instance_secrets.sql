-- Credentials among trigger parameters (a `core.webhook`'s `token` and HMAC `secret`), encrypted
-- like secret action parameters (AES-256-GCM under the secret key, `v1:<iv>:<tag>:<ciphertext>`);
-- `parameters` holds them masked and `params_hash` is then keyed. Rows stored plain before this
-- migration are sealed by `attune migrate` right after it (src/triggers/trigger-secrets.ts), since
-- the key is not in the database.
alter table trigger_instance add column if not exists secrets text;
