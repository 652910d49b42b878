-- Keeps a task in the live-task index (ListGrants) at least until @lifetimeMs from now, by the
-- store's clock like every other time here. GT: a task's bound only ever moves later.

local time = redis.call('TIME')
local untilMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(@lifetimeMs)
redis.call('ZADD', @liveTasks, 'GT', string.format('%d', untilMs), @taskId)
return 1
