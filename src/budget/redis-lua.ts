/**
 * The Lua scripts behind the Redis store. Each runs atomically inside Redis, so a reservation's
 * check and its write are one step even with hundreds of processes racing; each is one round trip.
 *
 * Every script works on one budget's three keys, all sharing a Redis Cluster hash tag:
 *   KEYS[1] `{budget}:totals`        hash: `spent`, `reserved` (money units), `windowEndsAt` (ms)
 *   KEYS[2] `{budget}:leases`        hash: reservation id -> amount, or `settled` once settled
 *   KEYS[3] `{budget}:lease-expiry`  sorted set: reservation id -> epoch ms its entry lapses
 *
 * ARGV[1] is always `now`, epoch ms from the store's injected clock, not Redis TIME: lease expiry
 * and window ends are judged by the same clock as the in-memory store, which tests control. Redis
 * uses its own clock only to delete keys (PEXPIREAT at the window's end), which is cleanup.
 */

// Runs first in every script: the window and lease bookkeeping that keeps a budget honest. It
// leaves the budget's totals in `spent` and `reserved`, which the scripts keep current.
const PRELUDE = `
local totals, leases, expiry = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(ARGV[1])
local t = redis.call('HMGET', totals, 'windowEndsAt', 'spent', 'reserved')
local spent, reserved = tonumber(t[2]) or 0, tonumber(t[3]) or 0

-- A window that has ended starts afresh: yesterday's spend does not block today.
if t[1] and tonumber(t[1]) <= now then
  redis.call('DEL', totals, leases, expiry)
  spent, reserved = 0, 0
end

-- Leases of crashed processes stop holding the budget; old settled markers are dropped. Bounded
-- per call so one script never stalls Redis; the rest go on later calls.
local lapsed = redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, 500)
if #lapsed > 0 then
  local held = 0
  for _, id in ipairs(lapsed) do
    local amount = redis.call('HGET', leases, id)
    if amount and amount ~= 'settled' then held = held + tonumber(amount) end
  end
  redis.call('HDEL', leases, unpack(lapsed))
  redis.call('ZREM', expiry, unpack(lapsed))
  if held > 0 then
    reserved = reserved - held
    -- %.0f writes plain digits; tostring() would write 1e+14 for large amounts.
    redis.call('HSET', totals, 'reserved', string.format('%.0f', reserved))
  end
end

-- Keys written by a windowed budget go when the window does (by Redis's clock: cleanup only).
local function expire_at(windowEndsAt)
  if windowEndsAt == '' then return end
  redis.call('HSET', totals, 'windowEndsAt', windowEndsAt)
  redis.call('PEXPIREAT', totals, windowEndsAt)
  redis.call('PEXPIREAT', leases, windowEndsAt)
  redis.call('PEXPIREAT', expiry, windowEndsAt)
end

-- Frees a lease's amount; amounts travel as the decimal strings Redis stored.
local function unhold(amount)
  if tonumber(amount) == 0 then return end
  reserved = reserved - tonumber(amount)
  redis.call('HINCRBY', totals, 'reserved', '-' .. amount)
end
`;

/** ARGV: now, id, amount, limit, leaseEndsAt, windowEndsAt ('' for none). */
export const RESERVE = `${PRELUDE}
local id, amount, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if spent + reserved + amount > limit then return {0, spent, reserved} end

redis.call('HINCRBY', totals, 'reserved', ARGV[3])
redis.call('HSET', leases, id, ARGV[3])
redis.call('ZADD', expiry, ARGV[5], id)
expire_at(ARGV[6])
return {1, spent, reserved + amount}
`;

/**
 * ARGV: now, id, actual, settledMarkerUntil, windowEndsAt. The `settled` marker makes settling
 * idempotent: a settle that timed out but did reach Redis, then replayed on reconcile, counts once.
 */
export const SETTLE = `${PRELUDE}
local id = ARGV[2]
local amount = redis.call('HGET', leases, id)
if amount == 'settled' then return {0, spent, reserved} end

if amount then unhold(amount) end
spent = spent + tonumber(ARGV[3])
redis.call('HINCRBY', totals, 'spent', ARGV[3])
redis.call('HSET', leases, id, 'settled')
redis.call('ZADD', expiry, ARGV[4], id)
expire_at(ARGV[5])
return {1, spent, reserved}
`;

/** ARGV: now, id. Releasing an unknown or settled reservation changes nothing. */
export const RELEASE = `${PRELUDE}
local id = ARGV[2]
local amount = redis.call('HGET', leases, id)
if amount and amount ~= 'settled' then
  unhold(amount)
  redis.call('HDEL', leases, id)
  redis.call('ZREM', expiry, id)
end
return {spent, reserved}
`;

/** ARGV: now. Reads after the same lease and window bookkeeping as every other script. */
export const READ = `${PRELUDE}
return {spent, reserved}
`;
