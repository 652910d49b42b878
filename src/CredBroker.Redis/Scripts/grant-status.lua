-- Whether the grant behind a well-signed token is live. A task revocation wins over
-- everything (invariant 2); a missing or expired record reads as inactive.
-- Returns {'task', at_ms} | {'unknown'} | {'grant', at_ms} | {'active'}.

local taskAt = redis.call('HGET', @taskRevoked, 'at')
if taskAt then
    return {'task', taskAt}
end

local f = redis.call('HMGET', @grant, 'exp', 'revoked_at')
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

if not f[1] or tonumber(f[1]) <= nowMs then
    return {'unknown'}
end

if f[2] then
    return {'grant', f[2]}
end

return {'active'}
