-- Counts one grant against its workload's caps in one step, shared by every replica on this Redis.
-- @rate: sorted set of grant ids scored by issue time (ms), a sliding window of @windowMs (0: no rate limit).
-- @live: sorted set of grant ids scored by the latest they can expire (ms) (@maxLive 0: no cap).
-- Both keys share the workload's hash tag. Returns {1} reserved | {2, retry_ms} rate limited |
-- {3, live, retry_ms} too many live grants.

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local fmt = function(n) return string.format('%d', n) end
local windowMs = tonumber(@windowMs)
local maxRate = tonumber(@maxRate)
local maxLive = tonumber(@maxLive)

redis.call('ZREMRANGEBYSCORE', @live, '-inf', fmt(nowMs))
if windowMs > 0 then
    redis.call('ZREMRANGEBYSCORE', @rate, '-inf', fmt(nowMs - windowMs))
    if redis.call('ZCARD', @rate) >= maxRate then
        local oldest = redis.call('ZRANGE', @rate, 0, 0, 'WITHSCORES')
        return {2, fmt(tonumber(oldest[2]) + windowMs - nowMs)}
    end
end

if maxLive > 0 then
    local live = redis.call('ZCARD', @live)
    if live >= maxLive then
        local first = redis.call('ZRANGE', @live, 0, 0, 'WITHSCORES')
        return {3, live, fmt(tonumber(first[2]) - nowMs)}
    end
end

local expMs = nowMs + tonumber(@ttlMs)
redis.call('ZADD', @live, fmt(expMs), @grantId)
if redis.call('PEXPIRETIME', @live) < expMs then
    redis.call('PEXPIREAT', @live, fmt(expMs))
end
if windowMs > 0 then
    redis.call('ZADD', @rate, fmt(nowMs), @grantId)
    redis.call('PEXPIRE', @rate, fmt(windowMs))
end
return {1}
