-- Appends one revocation rule to the log: one write whatever the number of grants it covers
-- (invariant 4). Times come from this server's clock (TIME), the clock that stamps iat.
-- Workload, tool and kill-switch rules also become the subject's standing state, united with
-- any earlier rule on the same subject so coverage never shrinks.
-- Returns the stored rule as JSON with its cursor (the stream id).

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local fmt = function(n) return string.format('%d', n) end

local rule = { k = @kind, s = @subject, why = @reason, by = @by, r = fmt(now), l = '', e = '' }
if @liftAfterMs ~= '' then
    -- Rounded up to a whole second: tokens carry whole-second iat (RevocationTimes.Lift).
    rule.l = fmt(math.ceil((now + tonumber(@liftAfterMs)) / 1000) * 1000)
end
if @expireAfterMs ~= '' then
    local e = now + tonumber(@expireAfterMs)
    if rule.l ~= '' and e < tonumber(rule.l) then e = tonumber(rule.l) end
    rule.e = fmt(e)
end

local key = @kind .. ':' .. @subject
local standing = @kind == 'Workload' or @kind == 'Tool' or @kind == 'All'
if standing then
    local raw = redis.call('HGET', @state, key)
    if raw then
        local old = cjson.decode(raw)
        if old.r ~= rule.r then
            local maxOf = function(a, b)
                if a == '' or b == '' then return '' end
                if tonumber(a) > tonumber(b) then return a end
                return b
            end
            rule.l = maxOf(old.l, rule.l)
            rule.e = maxOf(old.e, rule.e)
        end
    end
end

rule.c = redis.call('XADD', @log, '*', 'k', rule.k, 's', rule.s, 'r', rule.r, 'l', rule.l, 'e', rule.e, 'why', rule.why, 'by', rule.by)
local json = cjson.encode(rule)
if standing then
    redis.call('HSET', @state, key, json)
end
redis.call('PUBLISH', @notify, rule.c)
return json
