-- The standing rules for one grant request or token, and this server's time, in one round trip.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local fields = cjson.decode(@fields)
local found = {}
if #fields > 0 then
    local values = redis.call('HMGET', @state, unpack(fields))
    for i = 1, #fields do
        if values[i] then table.insert(found, values[i]) end
    end
end
return { string.format('%d', now), found }
