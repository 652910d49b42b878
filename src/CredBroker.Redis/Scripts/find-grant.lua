-- Reads one grant with its revocation and its task's revocation, as of one instant.
-- Returns nil when the record is missing or past its exp; else
-- {task, workload, owner, purpose, tools, aud, iat_ms, exp_ms, revoked_at_ms|nil, task_revoked_at_ms|nil}.
-- The record layout is insert-grant's: "iat exp tools" in the task's record hash, the task's
-- workload, owner, purpose and audience unless the grant's own differ (field "<id>:x").

local f = redis.call('HMGET', @records, @grantId, @grantId .. ':x', @grantId .. ':r')
if not f[1] then
    return nil
end

local iat, exp, tools = string.match(f[1], '^(%d+) (%d+) ?(.*)$')
local time = redis.call('TIME')
if tonumber(exp) <= tonumber(time[1]) then
    return nil
end

local t = redis.call('HMGET', @task, 'workload', 'owner', 'purpose', 'aud')
local owner, purpose, aud = t[2], t[3], t[4]
if f[2] then
    local x = cjson.decode(f[2])
    owner, purpose, aud = x.owner, x.purpose, x.aud
end

local revokedAt = false
if f[3] then
    revokedAt = string.match(f[3], '^(%d+)')
end

local taskAt = redis.call('HGET', @taskRevoked, 'at')
return {@taskId, t[1] or '', owner or '', purpose or '', tools, aud or '', iat .. '000', exp .. '000', revokedAt, taskAt}
