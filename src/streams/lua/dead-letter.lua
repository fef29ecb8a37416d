--[[
  Moves one stream entry to the dead stream and acks it, atomically.
  KEYS[1]  origin stream
  KEYS[2]  dead stream
  ARGV[1]  consumer group of the origin stream
  ARGV[2]  entry id on the origin stream
  ARGV[3]  approximate MAXLEN of the dead stream
  ARGV[4…] field/value pairs of the dead entry
  Returns the number of entries acked (0 when another consumer already handled it).
]]
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
end
return acked
