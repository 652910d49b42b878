-- Whether the grant behind a well-signed token is live. A task revocation wins over
-- everything (invariant 2); a missing or expired record reads as inactive.
-- Returns {'task', at_ms} | {'unknown'} | {'grant', at_ms} | {'active'}.

local taskAt = redis.call('HGET', @taskRevoked, 'at')
if taskAt then
    return {'task', taskAt}
end

local f = redis.call('HMGET', @records, @grantId, @grantId .. ':r')
local time = redis.call('TIME')

-- A token is dead at exp itself; the record is "iat exp tools" in seconds.
if not f[1] or tonumber(string.match(f[1], '^%d+ (%d+)')) <= tonumber(time[1]) then
    return {'unknown'}
end

if f[2] then
    return {'grant', string.match(f[2], '^(%d+)')}
end

return {'active'}
