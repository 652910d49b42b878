-- Keeps the log short without losing a rule in force: standing rules whose entry is older than
-- the trim horizon are appended again, expired standing rules are dropped, then the log is
-- trimmed before the horizon. Entries before it carry only rules that have expired.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local horizon = tonumber(@horizonMs)
local state = redis.call('HGETALL', @state)
for i = 1, #state, 2 do
    local rule = cjson.decode(state[i + 1])
    if rule.e ~= '' and tonumber(rule.e) <= now then
        redis.call('HDEL', @state, state[i])
    elseif tonumber(string.match(rule.c, '^(%d+)')) < horizon then
        rule.c = redis.call('XADD', @log, '*', 'k', rule.k, 's', rule.s, 'r', rule.r, 'l', rule.l, 'e', rule.e, 'why', rule.why, 'by', rule.by)
        redis.call('HSET', @state, state[i], cjson.encode(rule))
    end
end
redis.call('XTRIM', @log, 'MINID', string.format('%d', horizon))
return 1
