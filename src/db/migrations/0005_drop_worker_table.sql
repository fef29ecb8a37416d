-- The `worker` table of 0001 was never written or read: workers register in Redis (the worker
-- registry, a hash of heartbeats), since a worker needs no database.
drop table if exists worker;
