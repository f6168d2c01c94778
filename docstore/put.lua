-- Store a document, used now (Redis's clock), then evict the least
-- recently used until the store is within its bounds.
-- KEYS as in get.lua. ARGV[1] the sha256 (hex), ARGV[2] the text,
-- ARGV[3] the TTL in ms, ARGV[4] the most documents, ARGV[5] the most
-- bytes of text.
-- Returns {stored (0: the text alone is over the byte bound), evicted}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl, maxDocs, maxBytes = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local size = string.len(ARGV[2])
if size > maxBytes then
  return {0, 0}
end
local function drop(h)
  redis.call('DECRBY', KEYS[3], redis.call('HSTRLEN', KEYS[1], h))
  redis.call('HDEL', KEYS[1], h)
  redis.call('ZREM', KEYS[2], h)
end
-- Expired entries, a bounded number per call (lookups drop the rest).
for _, h in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl, 'LIMIT', 0, 100)) do
  drop(h)
end
drop(ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('INCRBY', KEYS[3], size)
local evicted = 0
while redis.call('ZCARD', KEYS[2]) > maxDocs or tonumber(redis.call('GET', KEYS[3])) > maxBytes do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 1)
  local victim = oldest[1]
  if victim == ARGV[1] then
    victim = oldest[2]
  end
  if not victim then
    break
  end
  drop(victim)
  evicted = evicted + 1
end
if redis.call('ZCARD', KEYS[2]) == 1 then
  redis.call('SET', KEYS[3], size) -- the count cannot drift past one entry
end
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return {1, evicted}
