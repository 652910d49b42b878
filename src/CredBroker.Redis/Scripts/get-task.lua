-- A task's fence, revocation and live grant count, as of one instant.
-- Returns {now_ms, revoked_at_ms|'', live, workload|'', owner, purpose, tools, opened, opened_at_ms, deadline_ms}.

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local revokedAt = redis.call('HGET', @taskRevoked, 'at') or ''
local live = 0
if revokedAt == '' then
    live = redis.call('ZCOUNT', @taskGrants, '(' .. string.format('%d', nowMs), '+inf')
end
local t = redis.call('HMGET', @task, 'workload', 'owner', 'purpose', 'tools', 'opened', 'opened_at', 'deadline')
return {string.format('%d', nowMs), revokedAt, live, t[1] or '', t[2] or '', t[3] or '', t[4] or '', t[5] or '', t[6] or '', t[7] or ''}
