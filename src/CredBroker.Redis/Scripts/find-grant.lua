-- Reads one grant with its revocation and its task's revocation, as of one instant.
-- Returns nil when the record is missing or past its exp; else
-- {task, workload, owner, purpose, tools, aud, iat_ms, exp_ms, revoked_at_ms|nil, task_revoked_at_ms|nil}.

local f = redis.call('HMGET', @grant, 'task', 'workload', 'owner', 'purpose', 'tools', 'aud', 'iat', 'exp', 'revoked_at')

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

if not f[8] or tonumber(f[8]) <= nowMs then
    return nil
end

local taskAt = redis.call('HGET', @taskRevoked, 'at')
return {f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], taskAt}
