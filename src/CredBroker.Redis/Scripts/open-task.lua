-- Opens a task with its envelope and deadline, atomically against grants and revocation of the
-- same task. A task id already opened or already used by a grant is not opened again.
-- Returns {0, revoked_at_ms} | {2, workload, owner, purpose, tools, opened, opened_at_ms, deadline_ms} | {1, opened_at_ms, deadline_ms}.

local revokedAt = redis.call('HGET', @taskRevoked, 'at')
if revokedAt then
    return {0, revokedAt}
end

local existing = redis.call('HMGET', @task, 'workload', 'owner', 'purpose', 'tools', 'opened', 'opened_at', 'deadline')
if existing[1] then
    return {2, existing[1], existing[2], existing[3], existing[4], existing[5], existing[6], existing[7] or ''}
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local deadline = nowMs + tonumber(@maxDurationMs)
redis.call('HSET', @task, 'workload', @workloadId, 'owner', @owner, 'purpose', @purpose,
    'tools', @tools, 'opened', '1', 'opened_at', string.format('%d', nowMs), 'deadline', string.format('%d', deadline))
redis.call('PEXPIREAT', @task, string.format('%d', deadline + tonumber(@retentionMs)))
return {1, string.format('%d', nowMs), string.format('%d', deadline)}
