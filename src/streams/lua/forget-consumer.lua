--[[
  Removes a consumer from a group only if it holds nothing: XGROUP DELCONSUMER drops the pending
  entries of the consumer it removes, so the check and the removal are one atomic step.
  KEYS[1]  the stream
  ARGV[1]  the group
  ARGV[2]  the consumer
  Returns 1 when removed, 0 when it holds entries (kept), -1 when the stream or group is gone.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if not ok then return -1 end
if #pending > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
