using System.Globalization;
using System.Text.Json;
using CredBroker.Core.Approvals;
using CredBroker.Core.Grants;
using StackExchange.Redis;

namespace CredBroker.Redis;

public sealed partial class RedisBrokerStore
{
    /// <summary>A decided or expired approval is remembered this long past its expiry, so its agent learns what became of it.</summary>
    private static readonly TimeSpan ApprovalRetention = TimeSpan.FromHours(1);

    public async ValueTask<ApprovalRecord> CreateApprovalAsync(ApprovalDraft draft, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var reply = await RunAsync("hold for approval", draft.TaskId, db => db.ScriptEvaluateAsync(RedisScripts.CreateApproval, new
        {
            approval = RedisKeys.Approval(prefix, draft.ApprovalId),
            workloadId = draft.WorkloadId,
            owner = draft.Owner,
            taskId = draft.TaskId,
            purpose = draft.Purpose,
            tools = GrantFields.JoinTools(draft.Tools),
            context = JsonSerializer.Serialize(draft.Context),
            ttlMs = (long)draft.Ttl.TotalMilliseconds,
            rule = draft.Rule,
            reason = draft.Reason,
            lifetimeMs = (long)lifetime.TotalMilliseconds,
            retentionMs = (long)ApprovalRetention.TotalMilliseconds,
        }), cancellationToken).ConfigureAwait(false);

        var values = (RedisResult[])reply!;
        var record = draft.Stamp(GrantFields.Time(values[0]), lifetime) with { ExpiresAt = GrantFields.Time(values[1]) };

        // Listed for approvers; UNAVAILABLE like any other failure, so no request is held where nobody can see it.
        await RunAsync("index approval", record.ApprovalId, db => db.SortedSetAddAsync(RedisKeys.PendingApprovals(prefix), record.ApprovalId, record.ExpiresAt.ToUnixTimeMilliseconds()), cancellationToken).ConfigureAwait(false);
        return record;
    }

    public async ValueTask<ApprovalRecord?> GetApprovalAsync(string approvalId, CancellationToken cancellationToken) =>
        (await ChangeApprovalAsync(approvalId, new ApprovalArguments("get"), cancellationToken).ConfigureAwait(false)).Record;

    public async ValueTask<ApprovalChange> DecideApprovalAsync(string approvalId, bool approve, string decidedBy, string? reason, CancellationToken cancellationToken)
    {
        var change = await ChangeApprovalAsync(approvalId, new ApprovalArguments("decide") { state = approve ? "approved" : "denied", decidedBy = decidedBy, note = reason ?? string.Empty }, cancellationToken).ConfigureAwait(false);
        if (change.Outcome == ApprovalChangeOutcome.Changed)
        {
            Forget(db => db.SortedSetRemoveAsync(RedisKeys.PendingApprovals(prefix), approvalId, CommandFlags.FireAndForget));
        }

        return change;
    }

    public async ValueTask<ApprovalChange> CollectApprovalAsync(string approvalId, string workloadId, string taskId, CancellationToken cancellationToken) =>
        await ChangeApprovalAsync(approvalId, new ApprovalArguments("collect") { workloadId = workloadId, taskId = taskId }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<ApprovalPage> ListPendingApprovalsAsync(int pageSize, PageCursor? after, CancellationToken cancellationToken)
    {
        var found = new List<ApprovalRecord>(pageSize);
        var cursor = after;
        for (var scanned = 0; scanned < MaxScannedPerPage;)
        {
            var batch = await CandidatesAsync(RedisKeys.PendingApprovals(prefix), cursor, Math.Max(pageSize, 100), cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return new ApprovalPage(found, null);
            }

            var records = await Task.WhenAll(batch.Select(c => GetApprovalAsync(c.Id, cancellationToken).AsTask())).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                scanned++;
                cursor = batch[i];
                if (records[i] is { State: ApprovalState.Pending } pending)
                {
                    found.Add(pending);
                    if (found.Count == pageSize)
                    {
                        return new ApprovalPage(found, cursor.Value.Encode());
                    }
                }
            }
        }

        return new ApprovalPage(found, cursor?.Encode());
    }

    private async Task<ApprovalChange> ChangeApprovalAsync(string approvalId, ApprovalArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(approvalId);
        var reply = await RunAsync("approval", approvalId, db => db.ScriptEvaluateAsync(RedisScripts.ChangeApproval, arguments with { approval = RedisKeys.Approval(prefix, approvalId) }), cancellationToken).ConfigureAwait(false);
        var values = (RedisResult[])reply!;
        var code = (long)values[0];
        if (code == -1)
        {
            return new ApprovalChange(ApprovalChangeOutcome.NotFound, null);
        }

        var now = GrantFields.Time(values[1]);
        var record = ToApproval(approvalId, values, 2);
        record = record with { State = record.StateAt(now) };
        return new ApprovalChange(code switch { 1 => ApprovalChangeOutcome.Changed, 2 => ApprovalChangeOutcome.WrongRequester, _ => ApprovalChangeOutcome.WrongState }, record);
    }

    private static ApprovalRecord ToApproval(string approvalId, RedisResult[] v, int o)
    {
        static string Text(RedisResult value) => (string?)value ?? string.Empty;
        return new ApprovalRecord(
            approvalId,
            Text(v[o]),
            Text(v[o + 1]),
            Text(v[o + 2]),
            Text(v[o + 3]),
            GrantFields.SplitTools(Text(v[o + 4])),
            JsonSerializer.Deserialize<Dictionary<string, string>>(Text(v[o + 5])) ?? [],
            TimeSpan.FromMilliseconds(long.Parse(Text(v[o + 6]), CultureInfo.InvariantCulture)),
            Text(v[o + 7]),
            Text(v[o + 8]),
            GrantFields.Time(v[o + 9]),
            GrantFields.Time(v[o + 10]),
            Text(v[o + 11]) switch
            {
                "pending" => ApprovalState.Pending,
                "approved" => ApprovalState.Approved,
                "denied" => ApprovalState.Denied,
                "collected" => ApprovalState.Collected,
                var other => throw new InvalidOperationException($"approval {approvalId} has state '{other}'"),
            },
            v[o + 12].IsNull ? null : Text(v[o + 12]),
            GrantFields.OptionalTime(v[o + 13]),
            v[o + 14].IsNull || Text(v[o + 14]).Length == 0 ? null : Text(v[o + 14]));
    }

#pragma warning disable IDE1006, SA1300 // LuaScript binds @parameters to members of the same name.
    /// <summary>The parameters of change-approval.lua; every call passes all of them.</summary>
    private sealed record ApprovalArguments(string mode)
    {
        public RedisKey approval { get; init; }

        public string state { get; init; } = string.Empty;

        public string decidedBy { get; init; } = string.Empty;

        public string note { get; init; } = string.Empty;

        public string workloadId { get; init; } = string.Empty;

        public string taskId { get; init; } = string.Empty;
    }
#pragma warning restore IDE1006, SA1300
}
