-- Frees an execution's concurrency slot (or its place in line) and hands the freed slots over.
-- KEYS[1] holders (SET), KEYS[2] line (ZSET), KEYS[3] the execution's slot marker.
-- ARGV[1] execution id, ARGV[2] the scope's limit (0: free only, hand nothing over).
-- While the scope has fewer holders than its limit, the first in line takes a slot here, in the
-- same atomic step (a hand-over: two releases in one batch never name the same waiter, and a
-- freed slot is never left idle until the next audit). Returns the ids that took a slot: the
-- caller wakes them (`delayed` → `requested`); the scheduler's acquire then finds them holding.
local held = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
if held == 0 then return {} end
local granted = {}
local free = tonumber(ARGV[2]) - redis.call('SCARD', KEYS[1])
while free > 0 do
  local first = redis.call('ZPOPMIN', KEYS[2])
  if #first == 0 then break end
  redis.call('SADD', KEYS[1], first[1])
  granted[#granted + 1] = first[1]
  free = free - 1
end
return granted
