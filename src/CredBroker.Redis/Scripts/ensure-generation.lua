-- Detects a wiped or replaced dataset (invariant 3): the generation marker is gone. Before
-- anything else, append a rule revoking every token issued before now, since the grant records
-- and revocations that judged them may be lost. Then set a new marker. Returns 1 when it did so.
-- @force = '1' starts a new generation although the marker is there: data was lost otherwise
-- (keys evicted, or the dataset restored from an older copy that still holds a marker).

if @force ~= '1' and redis.call('EXISTS', @generation) == 1 then return 0 end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lifted = math.ceil(now / 1000) * 1000
local rule = { k = 'All', s = '', why = @reason, by = 'credbroker', r = string.format('%d', now),
               l = string.format('%d', lifted), e = string.format('%d', lifted + tonumber(@expireAfterMs)) }
local raw = redis.call('HGET', @state, 'All:')
if raw then
    -- A standing kill switch survived (a partial loss): keep it standing.
    local old = cjson.decode(raw)
    if old.l == '' then rule.l = ''; rule.e = '' end
end
rule.c = redis.call('XADD', @log, '*', 'k', rule.k, 's', rule.s, 'r', rule.r, 'l', rule.l, 'e', rule.e, 'why', rule.why, 'by', rule.by)
redis.call('HSET', @state, 'All:', cjson.encode(rule))
redis.call('SET', @generation, @id)
redis.call('PUBLISH', @notify, rule.c)
return 1
