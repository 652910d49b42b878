-- Reads one grant with its revocation and its task's revocation, as of one instant.
-- Returns nil when the record is missing or past its exp; else
-- {task, workload, owner, purpose, tools, aud, iat_ms, exp_ms, revoked_at_ms|nil, task_revoked_at_ms|nil, holder}.

local f = redis.call('HMGET', @records, @grantId, @grantId .. ':x', @grantId .. ':r')
if not f[1] then
    return nil
end

local t = redis.call('HMGET', @task, 'workload', 'owner', 'purpose', 'aud')
local iat, exp, tools, owner, purpose, aud, holder = readGrant(f[1], f[2], t)
local time = redis.call('TIME')
if tonumber(exp) <= tonumber(time[1]) then
    return nil
end

local revokedAt = false
if f[3] then
    revokedAt = string.match(f[3], '^(%d+)')
end

local taskAt = redis.call('HGET', @taskRevoked, 'at')
return {@taskId, t[1] or '', owner, purpose, tools, aud, iat .. '000', exp .. '000', revokedAt, taskAt or false, holder}
