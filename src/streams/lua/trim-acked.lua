--[[
  Trims a stream up to the oldest entry that one of its groups has not acked: the oldest entry of
  a group's pending list, or, with nothing pending, its last delivered entry (kept; what follows it
  is not read yet). A stream without a group is never trimmed: nobody has read it yet.
  KEYS[1]  the stream
  Returns the number of entries removed.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local function older(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  ams, bms = tonumber(ams), tonumber(bms)
  if ams ~= bms then return ams < bms end
  return tonumber(aseq) < tonumber(bseq)
end
local keep = nil
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, last
  for i = 1, #group, 2 do
    if group[i] == 'name' then name = group[i + 1] end
    if group[i] == 'last-delivered-id' then last = group[i + 1] end
  end
  local pending = redis.call('XPENDING', KEYS[1], name)
  local oldest = last
  if pending[1] > 0 then oldest = pending[2] end
  if keep == nil or older(oldest, keep) then keep = oldest end
end
if keep == nil or keep == '0-0' then return 0 end
return redis.call('XTRIM', KEYS[1], 'MINID', keep)
