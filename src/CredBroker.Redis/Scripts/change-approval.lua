-- Reads an approval and, for @mode 'decide' or 'collect', changes its state in the same step, so an
-- approval is decided once and collected once whichever replica asks (it yields exactly one grant).
-- decide: pending and unexpired -> @state ('approved' | 'denied') with decided_by/at and reason.
-- collect: approved, unexpired, same workload and task -> 'collected'.
-- Returns {code, now_ms, fields...}; code 1 changed (or read), 0 wrong state, 2 wrong requester, -1 unknown.

local f = redis.call('HMGET', @approval, 'workload', 'owner', 'task', 'purpose', 'tools', 'context', 'ttl_ms',
    'rule', 'reason', 'requested_at', 'expires_at', 'state', 'decided_by', 'decided_at', 'decision_reason')

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local now = string.format('%d', nowMs)

if not f[1] then
    return {-1, now}
end

local function reply(code)
    local out = {code, now}
    for i = 1, #f do out[#out + 1] = f[i] end
    return out
end

local expired = nowMs >= tonumber(f[11])

if @mode == 'decide' then
    if f[12] ~= 'pending' or expired then return reply(0) end
    redis.call('HSET', @approval, 'state', @state, 'decided_by', @decidedBy, 'decided_at', now, 'decision_reason', @note)
    f[12], f[13], f[14], f[15] = @state, @decidedBy, now, @note
    return reply(1)
elseif @mode == 'collect' then
    if f[1] ~= @workloadId or f[3] ~= @taskId then return reply(2) end
    if f[12] ~= 'approved' or expired then return reply(0) end
    redis.call('HSET', @approval, 'state', 'collected')
    f[12] = 'collected'
    return reply(1)
end

return reply(1)
