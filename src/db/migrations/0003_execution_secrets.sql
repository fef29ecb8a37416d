-- Secret parameters of an execution, encrypted (AES-256-GCM, `v1:<iv>:<tag>:<ciphertext>`);
-- `parameters` holds them masked. Only a worker decrypts them, just before running the action.
alter table execution add column if not exists secrets text;
