-- Lifts the standing rule of one subject now (the kill switch's or a tool's release): tokens issued
-- before the lift stay covered until they have all expired; new grants may be issued after it.
-- A rule with an end of its own (a timed tool revocation) is lifted early, never extended.
-- Returns the lifted rule as JSON, or nil when no rule stands.

local key = @kind .. ':' .. @subject
local raw = redis.call('HGET', @state, key)
if not raw then return nil end
local rule = cjson.decode(raw)

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lifted = math.ceil(now / 1000) * 1000
if rule.l ~= '' and tonumber(rule.l) <= lifted then return nil end
rule.l = string.format('%d', lifted)
rule.e = string.format('%d', lifted + tonumber(@expireAfterMs))
rule.c = redis.call('XADD', @log, '*', 'k', rule.k, 's', rule.s, 'r', rule.r, 'l', rule.l, 'e', rule.e, 'why', rule.why, 'by', rule.by)
local json = cjson.encode(rule)
redis.call('HSET', @state, key, json)
redis.call('PUBLISH', @notify, rule.c)
return json
