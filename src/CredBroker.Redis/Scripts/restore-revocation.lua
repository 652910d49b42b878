-- Writes again a rule acknowledged while Redis could not promise durability, with its own times, unless
-- the log still holds its entry (@cursor). A standing workload, tool or kill-switch state that lost
-- it is united with it as append-revocation does, so coverage never shrinks (invariant 3); the same
-- engagement (same revoked-at time) that survived is left as it is, since it may carry a later lift.
-- Returns 1 when it wrote the rule again, 0 when the log still held it.

if #redis.call('XRANGE', @log, @cursor, @cursor) > 0 then return 0 end

local rule = { k = @kind, s = @subject, why = @reason, by = @by, r = @revokedMs, l = @liftedMs, e = @expiresMs }
local key = @kind .. ':' .. @subject
if @kind == 'Workload' or @kind == 'Tool' or @kind == 'All' then
    local raw = redis.call('HGET', @state, key)
    if raw then
        local old = cjson.decode(raw)
        if old.r == rule.r then
            rule = old
        else
            local maxOf = function(a, b)
                if a == '' or b == '' then return '' end
                if tonumber(a) > tonumber(b) then return a end
                return b
            end
            rule.l = maxOf(old.l, rule.l)
            rule.e = maxOf(old.e, rule.e)
            if tonumber(old.r) > tonumber(rule.r) then rule.r = old.r; rule.why = old.why; rule.by = old.by end
        end
    end
    rule.c = nil
    local id = redis.call('XADD', @log, '*', 'k', rule.k, 's', rule.s, 'r', rule.r, 'l', rule.l, 'e', rule.e, 'why', rule.why, 'by', rule.by)
    rule.c = id
    redis.call('HSET', @state, key, cjson.encode(rule))
    redis.call('PUBLISH', @notify, id)
    return 1
end

local id = redis.call('XADD', @log, '*', 'k', rule.k, 's', rule.s, 'r', rule.r, 'l', rule.l, 'e', rule.e, 'why', rule.why, 'by', rule.by)
redis.call('PUBLISH', @notify, id)
return 1
