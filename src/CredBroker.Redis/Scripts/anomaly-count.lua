-- Counts one anomaly event in a sliding window shared by every replica: drop events older than
-- the window (by this server's clock), add this one, and return how many remain. The key expires
-- with the window, so idle subjects cost nothing.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', @key, '-inf', string.format('%d', now - tonumber(@windowMs)))
redis.call('ZADD', @key, now, @member)
redis.call('PEXPIRE', @key, @windowMs)
return redis.call('ZCARD', @key)
