using CredBroker.Core.Policy;

namespace CredBroker.Core.Grants;

/// <summary>Delegation: a sub-agent exchanges its parent's token for its own, narrower one (RFC 8693).</summary>
public sealed partial class GrantBroker
{
    /// <summary>
    /// Decides an exchange (<see cref="GrantExchange"/>), then records it exactly as a
    /// <see cref="RequestGrantAsync"/> decision: the caller's refusal limit, the store's budget, one
    /// audit event (<c>grant.exchanged</c>, or <c>grant.refused</c>), and no token without its record.
    /// </summary>
    public async Task<GrantOutcome> ExchangeGrantAsync(ExchangeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (OverRefusalLimit(request.WorkloadId, started) is { } limited)
        {
            return limited;
        }

        var limit = storeOptions.Value.GrantTimeout;
        GrantRequest record;
        GrantOutcome outcome;
        using (var budget = Budget(limit, cancellationToken))
        {
            try
            {
                (record, outcome) = await exchange.DecideAsync(request with { Deadline = WriteBy(request.Deadline, limit) }, budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                CoreLog.GrantStoreUnavailable(logger, e, request.TaskId);
                record = new GrantRequest(request.WorkloadId, request.TaskId, request.Purpose, request.Tools, request.Ttl, new Dictionary<string, string>()) { Wire = request.Wire };
                outcome = new GrantOutcome.Refused(Refusal.StoreUnavailable($"grant store did not answer within {DurationText.Format(limit!.Value)}; no token issued"));
            }
        }

        if (outcome is GrantOutcome.Refused { Refusal: var refusal } && await refusals.CountAsync(request.WorkloadId, refusal, cancellationToken).ConfigureAwait(false) is { } crossed)
        {
            outcome = new GrantOutcome.Refused(crossed);
        }

        return await RecordAsync(record, outcome, started, outcome is GrantOutcome.Refused ? RecordMargin : limit, cancellationToken).ConfigureAwait(false);
    }
}
