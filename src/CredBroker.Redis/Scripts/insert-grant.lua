-- Check-and-insert of one grant, atomic against revoke-task (invariant 2): every key here
-- carries the task's hash tag, so the check and the write run in one step on one slot.
-- Returns {0, revoked_at_ms} when the task is revoked (nothing written), else {1, iat_s, exp_s}.

local revokedAt = redis.call('HGET', @taskRevoked, 'at')
if revokedAt then
    return {0, revokedAt}
end

-- iat comes from the store's clock so replicas with skewed clocks agree (invariant 4).
-- Whole seconds and the NotAfter cut exactly as GrantDraft.Stamp (JWT NumericDate; invariant 5).
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local iat = tonumber(time[1])
local exp = iat + tonumber(@ttlSeconds)
if @notAfterSeconds ~= '' and tonumber(@notAfterSeconds) < exp then
    exp = tonumber(@notAfterSeconds)
end

-- Numbers go to Redis as formatted integers: Redis may print a bare Lua number as 1.7e+12.
local iatMs = string.format('%d', iat * 1000)
local expMs = string.format('%d', exp * 1000)

redis.call('HSET', @grant,
    'task', @taskId, 'workload', @workloadId, 'owner', @owner, 'purpose', @purpose,
    'tools', @tools, 'aud', @audience, 'iat', iatMs, 'exp', expMs)
-- The record lives exactly as long as its token; a missing record reads as inactive.
redis.call('PEXPIREAT', @grant, expMs)

redis.call('ZADD', @taskGrants, expMs, @grantId)
redis.call('ZREMRANGEBYSCORE', @taskGrants, '-inf', string.format('%d', nowMs))
local last = redis.call('ZRANGE', @taskGrants, -1, -1, 'WITHSCORES')
if last[2] then
    -- Scores come back as printed doubles; reformat as an integer for PEXPIREAT.
    redis.call('PEXPIREAT', @taskGrants, string.format('%d', tonumber(last[2])))
end

return {1, iat, exp}
