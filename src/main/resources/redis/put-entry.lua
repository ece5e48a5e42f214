-- Write one entry into the Redis projection, refusing anything not newer than what is
-- stored (last-writer-wins on the HLC version, ties to the greater origin, DESIGN A6).
-- Versions travel as two 32-bit halves: Lua numbers are doubles and cannot hold 64 bits.
-- Origins are compared byte by byte: Lua's string '<' follows the server's locale.
--
-- KEYS[1] the entry hash, KEYS[2] the pending stream
-- ARGV: version, version high half, version low half, origin, deleted (0|1),
--       content type, value, pending (0|1: also onto the pending stream, to be
--       reconciled into PostgreSQL), the key itself (for the stream)
-- Returns 1 when written, 0 when a newer or equal version is already there.

local function greater(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end

local cur = redis.call('HMGET', KEYS[1], 'vh', 'vl', 'o')
if cur[1] then
  local ch, cl = tonumber(cur[1]), tonumber(cur[2])
  local nh, nl = tonumber(ARGV[2]), tonumber(ARGV[3])
  local newer = nh > ch or (nh == ch and (nl > cl or (nl == cl and greater(ARGV[4], cur[3]))))
  if not newer then return 0 end
end

redis.call('HSET', KEYS[1], 'v', ARGV[7], 'ct', ARGV[6], 'ver', ARGV[1], 'vh', ARGV[2], 'vl', ARGV[3],
           'o', ARGV[4], 'del', ARGV[5])
if ARGV[8] == '1' then
  redis.call('XADD', KEYS[2], '*', 'key', ARGV[9], 'ver', ARGV[1], 'o', ARGV[4],
             'del', ARGV[5], 'ct', ARGV[6], 'v', ARGV[7])
end
return 1
