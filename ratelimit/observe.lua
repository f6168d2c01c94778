-- Reconcile the log with the upstream's own count.
-- KEYS[1] the log; KEYS[2] the pause
-- ARGV[1] window plus slack in µs, as for acquire; ARGV[2] requests the upstream says were used in its
-- window; ARGV[3] pause until (µs, 0 for none); ARGV[4] member prefix;
-- ARGV[5] when the upstream's window resets (µs, 0 when unknown);
-- ARGV[6] the pause from now, in µs, when ARGV[3] is unknown or past (a 429 must pause somehow)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local have = redis.call('ZCARD', KEYS[1])
local used = tonumber(ARGV[2])
-- Placeholders stand for requests this log never saw (another app's).
-- They leave the log when the upstream says its count resets: the spec's
-- X-Rate-Limit-Reset is "when the quota will reset", so they are all gone
-- then. (Were the upstream's window sliding, they would leave early, all
-- at once; every answer re-pads to the upstream's count, so that lasts
-- until the next answer at most.)
local score = now
local reset = tonumber(ARGV[5])
if reset > 0 and reset - window < now then
  score = reset - window
end
if score > now - window then
  for i = have + 1, used do
    redis.call('ZADD', KEYS[1], score, ARGV[4] .. ':' .. i)
  end
  if used > have then
    redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  end
end
local until_us = tonumber(ARGV[3])
local least = tonumber(ARGV[6])
if least > 0 and until_us <= now then
  until_us = now + least
end
if until_us > now then
  local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
  if until_us > cur then
    redis.call('SET', KEYS[2], until_us, 'PX', math.ceil((until_us - now) / 1000) + 1)
  end
end
return have
