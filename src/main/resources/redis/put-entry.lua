-- Write one entry into the Redis projection, refusing anything not newer than what is
-- stored (last-writer-wins on the HLC version, ties to the greater origin, docs/architecture.md A6).
-- Versions travel as two 32-bit halves: Lua numbers are doubles and cannot hold 64 bits.
-- Origins are compared byte by byte: Lua's string '<' follows the server's locale.
--
-- KEYS[1] the entry hash, KEYS[2] the pending stream, KEYS[3] the idempotency record
-- ARGV: version, version high half, version low half, origin, deleted (0|1),
--       content type, value, pending (0|1: also onto the pending stream, to be
--       reconciled into PostgreSQL), the key itself (for the stream),
--       Idempotency-Key ('' for none), its request's fingerprint, the record's life (s)
-- Returns, for a projection (pending 0): 1 when written, 0 when a newer or equal version
-- is already there; with an Idempotency-Key it also records the key's answer (durability
-- primary: PostgreSQL committed it), so that a retry while the primary is unreachable
-- finds it. For a buffered write (pending 1): {1} written and buffered, {0} not
-- newer than the projection (nothing to buffer: it lost last-writer-wins already),
-- {2, version, origin, durability} the Idempotency-Key's first answer (nothing written),
-- {-1} the Idempotency-Key belongs to another request (nothing written).
-- A buffered call writes something on every path but {-1}: the WAIT that follows it counts
-- from the caller's last write, and must cover the copy already there (an earlier attempt's
-- entry, or the newer version) for the caller to know that copy is on the replicas.

local function greater(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end

local buffered = ARGV[8] == '1'
local idem = ARGV[10] ~= nil and ARGV[10] ~= ''

if buffered and idem then
  local rec = redis.call('HMGET', KEYS[3], 'fp', 'ver', 'o', 'dur')
  if rec[1] then
    if rec[1] ~= ARGV[11] then return {-1} end
    redis.call('EXPIRE', KEYS[3], tonumber(ARGV[12]))
    return {2, rec[2], rec[3], rec[4]}
  end
end

local newer = true
local cur = redis.call('HMGET', KEYS[1], 'vh', 'vl', 'o')
if cur[1] then
  local ch, cl = tonumber(cur[1]), tonumber(cur[2])
  local nh, nl = tonumber(ARGV[2]), tonumber(ARGV[3])
  newer = nh > ch or (nh == ch and (nl > cl or (nl == cl and greater(ARGV[4], cur[3]))))
end

if newer then
  redis.call('HSET', KEYS[1], 'v', ARGV[7], 'ct', ARGV[6], 'ver', ARGV[1], 'vh', ARGV[2], 'vl', ARGV[3],
             'o', ARGV[4], 'del', ARGV[5])
  if buffered then
    local fields = {'key', ARGV[9], 'ver', ARGV[1], 'o', ARGV[4], 'del', ARGV[5], 'ct', ARGV[6], 'v', ARGV[7]}
    if idem then
      table.insert(fields, 'ik'); table.insert(fields, ARGV[10])
      table.insert(fields, 'fp'); table.insert(fields, ARGV[11])
    end
    redis.call('XADD', KEYS[2], '*', unpack(fields))
  end
end

if idem then
  -- Also when it lost last-writer-wins: a retry must get this answer, not a new version.
  local durability = 'primary'
  if buffered then durability = 'replicated-buffer' end
  redis.call('HSET', KEYS[3], 'fp', ARGV[11], 'ver', ARGV[1], 'o', ARGV[4], 'dur', durability)
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[12]))
end

if not buffered then
  if newer then return 1 end
  return 0
end
if newer then return {1} end
if not idem then
  redis.call('HSET', KEYS[1], 'o', cur[3])
end
return {0}
