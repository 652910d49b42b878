-- Revokes one grant. Returns nil when the record is missing or past its exp;
-- else {already (0|1), revoked_at_ms, task, workload, owner, purpose, tools, aud, iat_ms, exp_ms}.

local f = redis.call('HMGET', @records, @grantId, @grantId .. ':x', @grantId .. ':r')
if not f[1] then
    return nil
end

local t = redis.call('HMGET', @task, 'workload', 'owner', 'purpose', 'aud')
local iat, exp, tools, owner, purpose, aud = readGrant(f[1], f[2], t)
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- A token is dead at exp itself.
if tonumber(exp) <= tonumber(time[1]) then
    return nil
end

local record = {@taskId, t[1] or '', owner, purpose, tools, aud, iat .. '000', exp .. '000'}
if f[3] then
    return {1, string.match(f[3], '^(%d+)'), unpack(record)}
end

local at = string.format('%d', nowMs)
redis.call('HSET', @records, @grantId .. ':r', at .. ' ' .. @reason)
-- Out of the live set, so revoke-task does not count it again; kept in the revoked set until its
-- exp so insert-grant can forget its record then.
redis.call('ZREM', @taskGrants, @grantId)
redis.call('ZADD', @revokedGrants, exp .. '000', @grantId)
if redis.call('PEXPIRETIME', @revokedGrants) < tonumber(exp) * 1000 then
    redis.call('PEXPIREAT', @revokedGrants, exp .. '000')
end

return {0, at, unpack(record)}
