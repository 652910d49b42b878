-- Stores a request held for approval, stamped by the store's clock so replicas agree on its expiry.
-- The record outlives its expiry by the retention, so its agent learns what became of it.
-- Returns {requested_at_ms, expires_at_ms}.

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiresMs = nowMs + tonumber(@lifetimeMs)
local fmt = function(n) return string.format('%d', n) end

redis.call('HSET', @approval,
    'workload', @workloadId, 'owner', @owner, 'task', @taskId, 'purpose', @purpose, 'tools', @tools,
    'context', @context, 'ttl_ms', @ttlMs, 'rule', @rule, 'reason', @reason,
    'requested_at', fmt(nowMs), 'expires_at', fmt(expiresMs), 'state', 'pending')
redis.call('PEXPIREAT', @approval, fmt(expiresMs + tonumber(@retentionMs)))
return {fmt(nowMs), fmt(expiresMs)}
