-- Check-and-insert of one grant, atomic against revoke-task and open-task (invariant 2): every
-- key here carries the task's hash tag, so the checks and the write run in one step on one slot.
-- The task checks mirror CredBroker.Core.Tasks.TaskFence.
-- Returns {0, revoked_at_ms} revoked | {2} not opened but required | {3, workload} owned by another |
-- {4, tool} outside the envelope | {5, deadline_ms} past the deadline | {1, iat_s, exp_s, deadline_ms|''}.

local revokedAt = redis.call('HGET', @taskRevoked, 'at')
if revokedAt then
    return {0, revokedAt}
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local iat = tonumber(time[1])
local fmt = function(n) return string.format('%d', n) end

local task = redis.call('HMGET', @task, 'workload', 'tools', 'deadline', 'opened')
local deadlineMs = ''
if not task[1] then
    if @requireOpen == '1' then
        return {2}
    end
    -- First use claims the task for this workload.
    redis.call('HSET', @task, 'workload', @workloadId, 'owner', @owner, 'purpose', @purpose,
        'tools', '', 'opened', '0', 'opened_at', fmt(nowMs))
elseif task[1] ~= @workloadId then
    return {3, task[1]}
elseif task[4] == '1' then
    local envelope = {}
    for tool in string.gmatch(task[2], '%S+') do envelope[tool] = true end
    for tool in string.gmatch(@tools, '%S+') do
        if not envelope[tool] then return {4, tool} end
    end
    deadlineMs = task[3]
    -- Whole seconds, as the token: a deadline inside the current second leaves no lifetime.
    if math.floor(tonumber(deadlineMs) / 1000) <= iat then
        return {5, deadlineMs}
    end
end

-- iat comes from the store's clock so replicas with skewed clocks agree (invariant 4).
-- Whole seconds and the deadline cut exactly as GrantDraft.Stamp (JWT NumericDate; invariant 5).
local exp = iat + tonumber(@ttlSeconds)
if deadlineMs ~= '' and math.floor(tonumber(deadlineMs) / 1000) < exp then
    exp = math.floor(tonumber(deadlineMs) / 1000)
end

local iatMs = fmt(iat * 1000)
local expMs = fmt(exp * 1000)

redis.call('HSET', @grant,
    'task', @taskId, 'workload', @workloadId, 'owner', @owner, 'purpose', @purpose,
    'tools', @tools, 'aud', @audience, 'iat', iatMs, 'exp', expMs)
-- The record lives exactly as long as its token; a missing record reads as inactive.
redis.call('PEXPIREAT', @grant, expMs)

redis.call('ZADD', @taskGrants, expMs, @grantId)
redis.call('ZREMRANGEBYSCORE', @taskGrants, '-inf', fmt(nowMs))
local last = redis.call('ZRANGE', @taskGrants, -1, -1, 'WITHSCORES')
if last[2] then
    -- Scores come back as printed doubles; reformat as an integer for PEXPIREAT.
    redis.call('PEXPIREAT', @taskGrants, fmt(tonumber(last[2])))
end

-- The fence is remembered at least the retention beyond this grant, never shortened.
local keep = exp * 1000 + tonumber(@retentionMs)
if redis.call('PEXPIRETIME', @task) < keep then
    redis.call('PEXPIREAT', @task, fmt(keep))
end

return {1, iat, exp, deadlineMs}
