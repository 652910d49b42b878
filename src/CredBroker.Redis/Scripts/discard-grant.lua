-- Forgets a grant whose token was never issued (refused after its insert was sent): its record and its
-- place among the task's live grants, so no listing shows it. Runs after the insert it undoes, because
-- Redis runs one connection's commands in order. A grant already revoked is left to its revocation.

redis.call('HDEL', @records, @grantId, @grantId .. ':x')
redis.call('ZREM', @taskGrants, @grantId)
return 1
