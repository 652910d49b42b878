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

        return await DecideThenRecordAsync(
            (Exchange: exchange, Request: request),
            static (s, writeBy, token) => s.Exchange.DecideAsync(s.Request with { Deadline = writeBy }, token),
            static s => new GrantRequest(s.Request.WorkloadId, s.Request.TaskId, s.Request.Purpose, s.Request.Tools, s.Request.Ttl, new Dictionary<string, string>()) { Wire = s.Request.Wire },
            request.WorkloadId,
            request.TaskId,
            request.Deadline,
            started,
            cancellationToken).ConfigureAwait(false);
    }
}
