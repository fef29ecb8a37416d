-- Counts an execution in a rate limit's sliding window (docs/policies.md).
-- KEYS[1] the window (ZSET: execution id scored by the time it was counted, ms).
-- ARGV[1] limit, ARGV[2] window length in ms, ARGV[3] execution id.
-- Returns 0 when the execution may start (counted now, or already counted: a redelivery is
-- harmless), else how many ms until the oldest count leaves the window.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + per - now)
