-- One task's live grants for ListGrants, after the cursor (afterExp, afterId) in (exp, grant id)
-- order, at most @limit. A revoked task has none; individually revoked grants left the live set.
-- Returns {grant_id, task, workload, owner, purpose, tools, aud, iat_ms, exp_ms, ...}: 9 values a grant.

if redis.call('EXISTS', @taskRevoked) == 1 then
    return {}
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local afterExp = tonumber(@afterExp)
local min = '(' .. string.format('%d', nowMs)
if afterExp and afterExp > nowMs then
    min = string.format('%d', afterExp)
end

local t = redis.call('HMGET', @task, 'workload', 'owner', 'purpose', 'aud')
local limit = tonumber(@limit)
local out = {}
local offset = 0
while #out < limit * 9 do
    local batch = redis.call('ZRANGEBYSCORE', @taskGrants, min, '+inf', 'WITHSCORES', 'LIMIT', offset, limit)
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
        local id, score = batch[i], tonumber(batch[i + 1])
        if not afterExp or score > afterExp or id > @afterId then
            local f = redis.call('HMGET', @records, id, id .. ':x')
            if f[1] then
                local iat, exp, tools, owner, purpose, aud = readGrant(f[1], f[2], t)
                local row = {id, @taskId, t[1] or '', owner, purpose, tools, aud, iat .. '000', exp .. '000'}
                for _, v in ipairs(row) do out[#out + 1] = v end
                if #out >= limit * 9 then break end
            end
        end
    end
    offset = offset + limit
end
return out
