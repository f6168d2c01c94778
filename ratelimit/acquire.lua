-- Admit one request to a sliding-window log, timed by Redis's clock.
-- KEYS[1] the log (sorted set: member → send time in µs)
-- KEYS[2] the pause (µs until which nobody may send), set after a 429
-- KEYS[3] the caller's own log (a client's reads; see share.go), or the log
--         again when the caller has no share to keep
-- KEYS[4] the readers waiting for room (sorted set: client → expiry in µs)
-- ARGV[1] window in µs, plus the slack for network jitter; ARGV[2] cap for
-- this caller; ARGV[3] a unique member; ARGV[4] the client ('' for a caller
-- exempt from shares); ARGV[5] the client's share of the cap (0: no share
-- kept); ARGV[6] how long a waiting client stays registered, in µs
-- Returns {1, 0} when admitted, {0, µs to wait} otherwise, and {-1, µs}
-- when the client is past its share while another waits.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local client = ARGV[4]
local share = tonumber(ARGV[5])

local past_share = false

local function wait_for(us)
  -- A reader that must wait says so, so that clients past their share give
  -- way to it (work conservation: nobody waiting, nobody gives way). A
  -- client past its share never counts as waiting: two heavy clients must
  -- not hold each other off while the budget sits idle.
  if KEYS[4] ~= KEYS[1] and not past_share then
    redis.call('ZADD', KEYS[4], now + us + tonumber(ARGV[6]), client == '' and '-' or client)
    redis.call('PEXPIRE', KEYS[4], math.ceil((us + tonumber(ARGV[6])) / 1000) + 1000)
  end
  return {0, us}
end

if share > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
  if redis.call('ZCARD', KEYS[3]) >= share then
    past_share = true
    redis.call('ZREM', KEYS[4], client)
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
    if redis.call('ZCARD', KEYS[4]) > 0 then
      local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
      return {-1, tonumber(oldest[2]) + window - now + 1}
    end
  end
end

local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then
  return wait_for(pause - now)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  if share > 0 then
    redis.call('ZADD', KEYS[3], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[3], math.ceil(window / 1000) + 1000)
  end
  if KEYS[4] ~= KEYS[1] then
    redis.call('ZREM', KEYS[4], client == '' and '-' or client)
  end
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return wait_for(tonumber(oldest[2]) + window - now + 1)
