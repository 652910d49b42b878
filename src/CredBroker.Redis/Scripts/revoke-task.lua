-- Marks the task revoked and counts the grants it ended, in one step against insert-grant
-- (invariant 2). Returns {1, first_revoked_at_ms, 0} when already revoked,
-- else {0, revoked_at_ms, live_grants}.

local earlier = redis.call('HGET', @taskRevoked, 'at')
if earlier then
    return {1, earlier, 0}
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Individually revoked grants left the set in revoke-grant; expired ones (exp <= now) leave here.
redis.call('ZREMRANGEBYSCORE', @taskGrants, '-inf', string.format('%d', nowMs))
local live = redis.call('ZCARD', @taskGrants)

-- The revocation must outlive every token of the task (invariant 3): the retention, or the
-- latest exp of the task's grants when that is later.
local keepUntil = nowMs + tonumber(@retentionMs)
local last = redis.call('ZRANGE', @taskGrants, -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) > keepUntil then
    keepUntil = tonumber(last[2])
end

local at = string.format('%d', nowMs)
redis.call('HSET', @taskRevoked, 'at', at, 'reason', @reason)
redis.call('PEXPIREAT', @taskRevoked, string.format('%d', keepUntil))

return {0, at, live}
