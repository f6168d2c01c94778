-- Look a document up and mark it used now (Redis's clock).
-- KEYS[1] texts (hash: sha256 -> text), KEYS[2] last use (sorted set:
-- sha256 -> ms), KEYS[3] the bytes of all texts (a counter); one hash tag.
-- ARGV[1] the sha256 (hex), ARGV[2] the TTL in ms.
-- Returns the text, or false when there is none or it expired (then it is
-- dropped).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local used = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not used then
  return false
end
local text = redis.call('HGET', KEYS[1], ARGV[1])
if (not text) or tonumber(used) + ttl <= now then
  redis.call('DECRBY', KEYS[3], redis.call('HSTRLEN', KEYS[1], ARGV[1]))
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[2], now, ARGV[1])
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return text
