-- Revokes one grant. Returns nil when the record is missing or past its exp;
-- else {already (0|1), revoked_at_ms, task, workload, owner, purpose, tools, aud, iat_ms, exp_ms}.

local f = redis.call('HMGET', @grant, 'task', 'workload', 'owner', 'purpose', 'tools', 'aud', 'iat', 'exp', 'revoked_at')

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Redis drops a key only after its expiry instant; a token is dead at exp itself.
if not f[8] or tonumber(f[8]) <= nowMs then
    return nil
end

if f[9] then
    return {1, f[9], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]}
end

local at = string.format('%d', nowMs)
redis.call('HSET', @grant, 'revoked_at', at, 'revoke_reason', @reason)
-- Out of the live set, so revoke-task does not count it again.
redis.call('ZREM', @taskGrants, @grantId)

return {0, at, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]}
