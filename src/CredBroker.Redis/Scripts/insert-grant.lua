-- Check-and-insert of one grant, atomic against revoke-task and open-task (invariant 2): every
-- key here carries the task's hash tag, so the checks and the write run in one step on one slot.
-- The task checks mirror CredBroker.Core.Tasks.TaskFence.
-- Returns {0, revoked_at_ms} revoked | {2} not opened but required | {3, workload} owned by another |
-- {4, tool} outside the envelope | {5, deadline_ms} past the deadline | {6} past @writeByMs (the
-- caller's deadline: a record written now would have no token) | {1, iat_s, exp_s, deadline_ms|''}.

local revokedAt = redis.call('HGET', @taskRevoked, 'at')
if revokedAt then
    return {0, revokedAt}
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local iat = tonumber(time[1])
local fmt = function(n) return string.format('%d', n) end

if @writeByMs ~= '' and nowMs > tonumber(@writeByMs) then
    return {6}
end

local task = redis.call('HMGET', @task, 'workload', 'tools', 'deadline', 'opened')
local deadlineMs = ''
if not task[1] then
    if @requireOpen == '1' then
        return {2}
    end
    -- First use claims the task for this workload.
    redis.call('HSET', @task, 'workload', @workloadId, 'owner', @owner, 'purpose', @purpose,
        'aud', @audience, 'tools', '', 'opened', '0', 'opened_at', fmt(nowMs))
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

-- The record is one field of the task's record hash: "iat exp tool tool ..." in seconds. Workload,
-- owner, purpose and audience are the task's; a grant whose owner, purpose or audience differ from
-- the task's (a policy reload, another purpose) keeps them in a second field. Keeping one key per
-- task, not per grant, is what holds Redis memory per live grant down.
redis.call('HSETNX', @task, 'aud', @audience)
local shared = redis.call('HMGET', @task, 'owner', 'purpose', 'aud')
redis.call('HSET', @records, @grantId, fmt(iat) .. ' ' .. fmt(exp) .. ' ' .. @tools)
if shared[1] ~= @owner or shared[2] ~= @purpose or shared[3] ~= @audience then
    redis.call('HSET', @records, @grantId .. ':x', cjson.encode({owner = @owner, purpose = @purpose, aud = @audience}))
end

-- Forget a bounded number of expired grants on the way (a missing record reads as inactive anyway).
local forget = function(set)
    local gone = redis.call('ZRANGEBYSCORE', set, '-inf', fmt(nowMs), 'LIMIT', 0, 64)
    for _, id in ipairs(gone) do
        redis.call('HDEL', @records, id, id .. ':x', id .. ':r')
        redis.call('ZREM', set, id)
    end
end
forget(@taskGrants)
forget(@revokedGrants)

redis.call('ZADD', @taskGrants, fmt(exp * 1000), @grantId)
-- Each key lives exactly as long as the latest grant it holds, never shortened.
local keepUntil = function(key, ms)
    if redis.call('PEXPIRETIME', key) < ms then
        redis.call('PEXPIREAT', key, fmt(ms))
    end
end
keepUntil(@taskGrants, exp * 1000)
keepUntil(@records, exp * 1000)

-- The fence is remembered at least the retention beyond this grant, never shortened.
keepUntil(@task, exp * 1000 + tonumber(@retentionMs))

return {1, iat, exp, deadlineMs}
