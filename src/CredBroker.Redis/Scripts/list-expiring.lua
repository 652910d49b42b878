-- Candidates for one page from an index sorted by expiry (live tasks, pending approvals; score: unix
-- ms), after the cursor (afterExp, afterId) in (score, id) order. Drops entries past their score on the way.
-- Returns {id1, score1, id2, score2, ...}, at most @limit pairs; the caller reads and filters what they name.

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', @live, '-inf', string.format('%d', nowMs))

local limit = tonumber(@limit)
local afterExp = tonumber(@afterExp)
local min = '-inf'
if afterExp then min = @afterExp end

local out = {}
local offset = 0
while #out < limit * 2 do
    local batch = redis.call('ZRANGEBYSCORE', @live, min, '+inf', 'WITHSCORES', 'LIMIT', offset, limit)
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
        local id, score = batch[i], tonumber(batch[i + 1])
        if not afterExp or score > afterExp or id > @afterId then
            out[#out + 1] = id
            out[#out + 1] = string.format('%d', score)
            if #out >= limit * 2 then break end
        end
    end
    offset = offset + limit
end
return out
