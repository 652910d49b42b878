-- Check-and-insert of one grant, the one store step of a grant request: the standing rules, the
-- workload's caps and every check on the task, then the write, so a refusal writes nothing and
-- nothing is ever undone. Atomic against revoke-task and open-task (invariant 2), against a rule
-- being appended, and against racing grants of the same workload (the caps).
-- The task keys carry the task's hash tag, the caps the workload's and the rules the log's ({rv}).
-- The task checks mirror CredBroker.Core.Tasks.TaskFence.
-- Returns {7, now_ms, rule_json...} standing rules | {8, retry_ms} rate limited |
-- {9, live, retry_ms} too many live grants | {0, revoked_at_ms} revoked | {2} not opened but required |
-- {3, workload} owned by another | {4, tool} outside the envelope | {5, deadline_ms} past the deadline |
-- {6} past @writeByMs (the caller's deadline: a record written now would have no token) |
-- {1, iat_s, exp_s, deadline_ms|''}.

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local iat = tonumber(time[1])
local fmt = function(n) return string.format('%d', n) end

-- Standing rules ("Kind:subject" fields of the log's state): one whose lift time is unset or still
-- ahead refuses. Returned whole, so the broker names the rule (and waits out one lifting this second).
local fields = cjson.decode(@ruleFields)
if #fields > 0 then
    local standing = {7, fmt(nowMs)}
    local values = redis.call('HMGET', @state, unpack(fields))
    for i = 1, #fields do
        if values[i] then
            local lifted = cjson.decode(values[i])['l']
            if lifted == nil or lifted == '' or tonumber(lifted) > nowMs then
                table.insert(standing, values[i])
            end
        end
    end
    if #standing > 2 then
        return standing
    end
end

-- The caps, read only: the grant is counted below, with its record.
local windowMs = tonumber(@windowMs)
local maxLive = tonumber(@maxLive)
if maxLive > 0 then
    redis.call('ZREMRANGEBYSCORE', @live, '-inf', fmt(nowMs))
end
if windowMs > 0 then
    redis.call('ZREMRANGEBYSCORE', @rate, '-inf', fmt(nowMs - windowMs))
    if redis.call('ZCARD', @rate) >= tonumber(@maxRate) then
        local oldest = redis.call('ZRANGE', @rate, 0, 0, 'WITHSCORES')
        return {8, fmt(tonumber(oldest[2]) + windowMs - nowMs)}
    end
end
if maxLive > 0 then
    local live = redis.call('ZCARD', @live)
    if live >= maxLive then
        local first = redis.call('ZRANGE', @live, 0, 0, 'WITHSCORES')
        return {9, live, fmt(tonumber(first[2]) - nowMs)}
    end
end

local revokedAt = redis.call('HGET', @taskRevoked, 'at')
if revokedAt then
    return {0, revokedAt}
end

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
-- A delegated grant never outlives its parent token (GrantDraft.ParentExpiresAt).
if @notAfterS ~= '' and tonumber(@notAfterS) < exp then
    exp = tonumber(@notAfterS)
end

-- The record is one field of the task's record hash: "iat exp tool tool ..." in seconds. Workload,
-- owner, purpose and audience are the task's; a grant whose owner, purpose or audience differ from
-- the task's (a policy reload, another purpose) keeps them in a second field. Keeping one key per
-- task, not per grant, is what holds Redis memory per live grant down.
redis.call('HSETNX', @task, 'aud', @audience)
local shared = redis.call('HMGET', @task, 'owner', 'purpose', 'aud')
redis.call('HSET', @records, @grantId, fmt(iat) .. ' ' .. fmt(exp) .. ' ' .. @tools)
-- A delegated grant (ExchangeGrant) also keeps its holder there: the task's workload is the chain's root.
if shared[1] ~= @owner or shared[2] ~= @purpose or shared[3] ~= @audience or @holder ~= '' then
    redis.call('HSET', @records, @grantId .. ':x', cjson.encode({owner = @owner, purpose = @purpose, aud = @audience, holder = @holder}))
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

-- Counted against the caps in the same step: a grant counted is a grant stored.
if maxLive > 0 then
    redis.call('ZADD', @live, fmt(exp * 1000), @grantId)
    keepUntil(@live, exp * 1000)
end
if windowMs > 0 then
    redis.call('ZADD', @rate, fmt(nowMs), @grantId)
    redis.call('PEXPIRE', @rate, fmt(windowMs))
end

return {1, iat, exp, deadlineMs}
