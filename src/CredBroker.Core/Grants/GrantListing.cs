using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using CredBroker.Core.Validation;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Grants;

/// <summary>What an operator sees of live grants: filtered by task, workload or tool, a page at a time.</summary>
public sealed partial class GrantListing(IBrokerStore store, ILogger<GrantListing> logger)
{
    public const int DefaultPageSize = 50;

    /// <summary>Larger pages are cut to this (AIP-158: coerce, do not refuse).</summary>
    public const int MaxPageSize = 500;

    public async Task<BrokerResult<GrantPage>> ListAsync(GrantFilter filter, int pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (Validate(filter, pageSize, pageToken, out var cursor) is { } invalid)
        {
            return invalid;
        }

        try
        {
            var size = pageSize == 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize);
            return BrokerResult<GrantPage>.Ok(await store.ListGrantsAsync(filter, size, cursor, cancellationToken).ConfigureAwait(false));
        }
        catch (BrokerStoreUnavailableException e)
        {
            CoreLog.GrantListingStoreUnavailable(logger, e);
            return Refusal.StoreUnavailable("grant store unavailable; cannot list grants");
        }
    }

    private static Refusal? Validate(GrantFilter filter, int pageSize, string? pageToken, out PageCursor? cursor)
    {
        cursor = null;
        if (pageSize < 0)
        {
            return Refusal.Invalid("page_size", "must not be negative");
        }

        if (!string.IsNullOrEmpty(pageToken))
        {
            if (!PageCursor.TryDecode(pageToken, out var decoded))
            {
                return Refusal.Invalid("page_token", "not a token from a previous ListGrants page");
            }

            cursor = decoded;
        }

        if (filter.TaskId is not null && FieldChecks.TaskId(filter.TaskId) is { } badTask)
        {
            return badTask;
        }

        if (filter.WorkloadId is not null && !SpiffeId.IsValid(filter.WorkloadId))
        {
            return Refusal.Invalid("workload_id", "not a SPIFFE ID");
        }

        return filter.Tool is not null && !ToolNames.IsWellFormed(filter.Tool) ? Refusal.Invalid("tool", "not a tool name") : null;
    }
}
