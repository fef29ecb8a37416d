-- Takes a concurrency slot for an execution, in arrival order (docs/policies.md).
-- KEYS[1] holders (SET of execution ids), KEYS[2] line (ZSET: execution id scored by itself, so
-- the oldest request is first), KEYS[3] the execution's slot marker (STRING: the scope, so that a
-- release needs only the execution id).
-- ARGV[1] limit, ARGV[2] execution id, ARGV[3] scope, ARGV[4] marker TTL in seconds.
-- Returns 1 when the execution holds a slot (already or now), 0 when it waits in line.
if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 1 then return 1 end
redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[4])
local free = tonumber(ARGV[1]) - redis.call('SCARD', KEYS[1])
if free <= 0 then return 0 end
local rank = redis.call('ZRANK', KEYS[2], ARGV[2])
if rank < free then
  redis.call('SADD', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
return 0
