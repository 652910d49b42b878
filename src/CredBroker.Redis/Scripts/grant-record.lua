-- Not a script of its own: RedisScripts puts it before the scripts that read grant records.
-- A grant is the field "<id>" of its task's record hash, "iat exp tool tool ..." in unix seconds, and
-- "<id>:x" holds its owner, purpose and audience as JSON when they differ from the task's (insert-grant).
-- value and extra are the two fields, task the task's HMGET of workload, owner, purpose, aud.
-- Returns iat, exp, tools, owner, purpose, aud, holder ('' unless a delegated grant).
local function readGrant(value, extra, task)
    local iat, exp, tools = string.match(value, '^(%d+) (%d+) ?(.*)$')
    local owner, purpose, aud, holder = task[2], task[3], task[4], ''
    if extra then
        local x = cjson.decode(extra)
        owner, purpose, aud, holder = x.owner, x.purpose, x.aud, x.holder
    end
    return iat, exp, tools, owner or '', purpose or '', aud or '', holder or ''
end

