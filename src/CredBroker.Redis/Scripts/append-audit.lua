-- Appends a batch of sealed audit events to the chain shared by every replica. The broker sealed
-- them in order after the head it read (@prevSeq, @prevHash), the last one being (@seq, @hash); if
-- another replica appended since, nothing is written and the current head comes back so the broker
-- can seal again. Check and append are one step, so the chain never forks. @events holds one
-- canonical JSON event per line. Retention: approximate MAXLEN, and MINID by this server's clock.
-- Returns {1, last stream id} or {0, head seq, head hash}.

local head = redis.call('HMGET', @head, 'seq', 'hash')
local seq = head[1] or '0'
local hash = head[2] or @genesis
if seq ~= @prevSeq or hash ~= @prevHash then
    return { 0, seq, hash }
end

local id
for event in string.gmatch(@events, '[^\n]+') do
    id = redis.call('XADD', @log, 'MAXLEN', '~', @maxLength, '*', 'e', event)
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('XTRIM', @log, 'MINID', '~', string.format('%d', now - tonumber(@retentionMs)))
redis.call('HSET', @head, 'seq', @seq, 'hash', @hash)
return { 1, id }
