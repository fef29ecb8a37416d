--[[
  Appends one entry to a stream read by a consumer group, unless the stream is at its ceiling.
  Nothing is trimmed here: `trim-acked.lua` cuts only what every group has acked.
  KEYS[1]  the stream
  ARGV[1]  the ceiling (`streamMaxLen`): the most entries the stream may hold
  ARGV[2…] field/value pairs of the entry
  Returns the new entry id, or the error `BACKPRESSURE <length>` when the stream is full.
]]
local length = redis.call('XLEN', KEYS[1])
if length >= tonumber(ARGV[1]) then
  return redis.error_reply('BACKPRESSURE ' .. length)
end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
