-- Revokes one grant. Returns nil when the record is missing or past its exp;
-- else {already (0|1), revoked_at_ms, task, workload, owner, purpose, tools, aud, iat_ms, exp_ms}.

local f = redis.call('HMGET', @records, @grantId, @grantId .. ':x', @grantId .. ':r')
if not f[1] then
    return nil
end

local iat, exp, tools = string.match(f[1], '^(%d+) (%d+) ?(.*)$')
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- A token is dead at exp itself.
if tonumber(exp) <= tonumber(time[1]) then
    return nil
end

local t = redis.call('HMGET', @task, 'workload', 'owner', 'purpose', 'aud')
local owner, purpose, aud = t[2], t[3], t[4]
if f[2] then
    local x = cjson.decode(f[2])
    owner, purpose, aud = x.owner, x.purpose, x.aud
end

local record = {@taskId, t[1] or '', owner or '', purpose or '', tools, aud or '', iat .. '000', exp .. '000'}
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
