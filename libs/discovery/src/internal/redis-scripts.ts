// Lua run atomically by Redis. Every key of a service shares the hash tag `{service}` so
// the scripts also run on Redis Cluster. The eviction rules mirror internal/eviction.ts.
//
// Keys per service: leases (ZSET id → expiry ms), instances (HASH id → descriptor JSON),
// state (HASH id → "status registeredAtMs leaseTtlMs"), evicted (ZSET of recent lapsed
// evictions, score = their expiry), preserving (STRING, present while self-preserving).

/** KEYS leases instances state; ARGV id json status now ttl channel → registeredAtMs */
export const REGISTER = `
local prev = redis.call('HGET', KEYS[3], ARGV[1])
local reg = ARGV[4]
if prev then reg = string.match(prev, '^%S+ (%d+)') or ARGV[4] end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3] .. ' ' .. reg .. ' ' .. ARGV[5])
redis.call('ZADD', KEYS[1], tonumber(ARGV[4]) + tonumber(ARGV[5]), ARGV[1])
redis.call('PUBLISH', ARGV[6], 'register')
return reg
`;

/** KEYS leases state preserving; ARGV id now ttl channel → 1 renewed, 0 unknown */
export const RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local prev = redis.call('HGET', KEYS[2], ARGV[1])
if not prev then return 0 end
redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
local status, reg = string.match(prev, '^(%S+) (%d+)')
redis.call('HSET', KEYS[2], ARGV[1], status .. ' ' .. reg .. ' ' .. ARGV[3])
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PUBLISH', ARGV[4], 'renew') end
return 1
`;

/** KEYS leases instances state; ARGV id channel → 1 removed, 0 unknown */
export const DEREGISTER = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if removed == 1 then redis.call('PUBLISH', ARGV[2], 'deregister') end
return removed
`;

/** KEYS leases state; ARGV id status channel → 1 set, 0 unknown */
export const SET_STATUS = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local prev = redis.call('HGET', KEYS[2], ARGV[1])
if not prev then return 0 end
local status, rest = string.match(prev, '^(%S+) (.*)$')
if status ~= ARGV[2] then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ' ' .. rest)
  redis.call('PUBLISH', ARGV[3], 'status')
end
return 1
`;

/**
 * KEYS leases instances state evicted preserving; ARGV now windowMs ratio minInstances channel read
 * → { preserving(0|1), evictedCount, [ids+scores], [json...], [state...] } (the last three only when read=1)
 */
export const EVICT_AND_READ = `
local now = tonumber(ARGV[1])
local ratio = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[2]))
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES')
local lapsedCount = #lapsed / 2
local total = redis.call('ZCARD', KEYS[1])
local wasPreserving = redis.call('EXISTS', KEYS[5]) == 1
local preserving = false
if lapsedCount > 0 then
  if wasPreserving then
    preserving = lapsedCount > ratio * total
  else
    local recent = redis.call('ZCARD', KEYS[4])
    local population = total + recent
    preserving = ratio < 1 and population >= tonumber(ARGV[4]) and (lapsedCount + recent) > ratio * population
  end
end
local changed = preserving ~= wasPreserving
local evicted = 0
if preserving then
  if not wasPreserving then redis.call('SET', KEYS[5], ARGV[1]) end
else
  if wasPreserving then redis.call('DEL', KEYS[5]) end
  for i = 1, #lapsed, 2 do
    local id = lapsed[i]
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('ZADD', KEYS[4], lapsed[i + 1], id .. ' ' .. lapsed[i + 1])
    evicted = evicted + 1
  end
end
if changed or evicted > 0 then redis.call('PUBLISH', ARGV[5], 'evict') end
if ARGV[6] ~= '1' then return { preserving and 1 or 0, evicted } end
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
if #members == 0 then return { preserving and 1 or 0, evicted, {}, {}, {} } end
local ids = {}
for i = 1, #members, 2 do ids[#ids + 1] = members[i] end
return { preserving and 1 or 0, evicted, members, redis.call('HMGET', KEYS[2], unpack(ids)), redis.call('HMGET', KEYS[3], unpack(ids)) }
`;
