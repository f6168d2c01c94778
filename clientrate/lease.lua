-- Lease a block of a client's permits in the current fixed window, numbered
-- by Redis's clock.
-- KEYS[1] the client's counter prefix (one hash tag per client)
-- ARGV[1] window in ms; ARGV[2] limit; ARGV[3] permits wanted
-- Returns {permits granted (0 when the window is spent), ms the window has left}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local n = math.floor(now / window)
local left = (n + 1) * window - now
local key = KEYS[1] .. ':' .. n
local limit = tonumber(ARGV[2])
local used = tonumber(redis.call('GET', key) or '0')
if used >= limit then
  return {0, left}
end
local grant = math.min(tonumber(ARGV[3]), limit - used)
redis.call('INCRBY', key, grant)
redis.call('PEXPIRE', key, left + 1000)
return {grant, left}
