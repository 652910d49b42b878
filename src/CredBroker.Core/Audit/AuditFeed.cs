using CredBroker.Core.Identity;
using CredBroker.Core.Validation;

namespace CredBroker.Core.Audit;

/// <summary>Which events to read, and from where.</summary>
public sealed record AuditQuery(string? AfterCursor, string? TaskId, string? WorkloadId, bool Follow, int Limit);

/// <summary>
/// Reads the store's audit log for <c>credbroker audit tail</c> and <c>verify</c>: oldest first, in
/// pages, filtered by task or workload, and with <see cref="AuditQuery.Follow"/> polling for new events.
/// </summary>
public sealed class AuditFeed(IAuditReader reader, TimeProvider time)
{
    public const int MaxLimit = 1_000_000;
    private const int PageSize = 500;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public Refusal? Validate(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!string.IsNullOrEmpty(query.AfterCursor) && !reader.IsCursor(query.AfterCursor))
        {
            return Refusal.Invalid("after_cursor", "not a cursor of this broker's audit log");
        }

        if (!string.IsNullOrEmpty(query.TaskId) && FieldChecks.TaskId(query.TaskId) is { } badTask)
        {
            return badTask;
        }

        if (!string.IsNullOrEmpty(query.WorkloadId) && !SpiffeId.IsValid(query.WorkloadId))
        {
            return Refusal.Invalid("workload_id", "not a SPIFFE ID (spiffe://trust-domain/path)");
        }

        return query.Limit is < 0 or > MaxLimit ? Refusal.Invalid("limit", $"between 0 (no limit) and {MaxLimit}") : null;
    }

    /// <summary>The store's chain head; read before the events, so every event up to it is among them.</summary>
    public ValueTask<AuditHead> ReadHeadAsync(CancellationToken cancellationToken) => reader.ReadHeadAsync(cancellationToken);

    /// <summary>Reads until the end of the log (or the limit), or with Follow until cancelled. Store failures throw <see cref="AuditSinkUnavailableException"/> or the store's own.</summary>
    public async IAsyncEnumerable<AuditRecord> ReadAsync(AuditQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var cursor = string.IsNullOrEmpty(query.AfterCursor) ? null : query.AfterCursor;
        var sent = 0;
        while (true)
        {
            var page = await reader.ReadAsync(cursor, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var record in page)
            {
                cursor = record.Cursor;
                if (Matches(query, record.Event))
                {
                    yield return record;
                    if (query.Limit > 0 && ++sent >= query.Limit)
                    {
                        yield break;
                    }
                }
            }

            if (page.Count < PageSize)
            {
                if (!query.Follow)
                {
                    yield break;
                }

                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool Matches(AuditQuery query, AuditEvent e) =>
        (string.IsNullOrEmpty(query.TaskId) || string.Equals(e.TaskId, query.TaskId, StringComparison.Ordinal))
        && (string.IsNullOrEmpty(query.WorkloadId) || string.Equals(e.WorkloadId, query.WorkloadId, StringComparison.Ordinal));
}
