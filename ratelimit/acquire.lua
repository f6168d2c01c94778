-- Admit one request to a sliding-window log, timed by Redis's clock.
-- KEYS[1] the log (sorted set: member → send time in µs)
-- KEYS[2] the pause (µs until which nobody may send), set after a 429
-- ARGV[1] window in µs, plus the slack for network jitter; ARGV[2] cap for
-- this caller; ARGV[3] a unique member
-- Returns {1, 0} when admitted, {0, µs to wait} otherwise.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then
  return {0, pause - now}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now + 1}
