-- Frees an execution's concurrency slot (or its place in line) and names who may take it.
-- KEYS[1] holders (SET), KEYS[2] line (ZSET), KEYS[3] the execution's slot marker.
-- ARGV[1] execution id.
-- Returns the first execution id in line when a slot was freed (to be woken), else nothing.
local held = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
if held == 0 then return {} end
return redis.call('ZRANGE', KEYS[2], 0, 0)
