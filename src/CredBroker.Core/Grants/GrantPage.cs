using System.Globalization;
using System.Text;

namespace CredBroker.Core.Grants;

/// <summary>Which live grants to list; a null field does not filter.</summary>
public sealed record GrantFilter(string? TaskId, string? WorkloadId, string? Tool)
{
    public bool Matches(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return (TaskId is null || string.Equals(grant.TaskId, TaskId, StringComparison.Ordinal))
            && (WorkloadId is null || string.Equals(grant.WorkloadId, WorkloadId, StringComparison.Ordinal))
            && (Tool is null || grant.Tools.Contains(Tool, StringComparer.Ordinal));
    }
}

/// <summary>One page of live grants, ordered by expiry then grant id; <see cref="NextPageToken"/> is null on the last page.</summary>
public sealed record GrantPage(IReadOnlyList<GrantRecord> Grants, string? NextPageToken);

/// <summary>
/// Where a page ends: the (expiry, id) of its last item. Grants and approvals are both listed in
/// that order by both stores, so a token stays meaningful while items are added or expire between pages.
/// </summary>
public readonly record struct PageCursor(long ExpiresAtMs, string Id)
{
    public static PageCursor Of(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return new(grant.ExpiresAt.ToUnixTimeMilliseconds(), grant.GrantId);
    }

    /// <summary>Whether an item that expires at <paramref name="expiresAt"/> with id <paramref name="id"/> comes after this cursor.</summary>
    public bool Precedes(DateTimeOffset expiresAt, string id)
    {
        var exp = expiresAt.ToUnixTimeMilliseconds();
        return exp > ExpiresAtMs || (exp == ExpiresAtMs && string.CompareOrdinal(id, Id) > 0);
    }

    public bool Precedes(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return Precedes(grant.ExpiresAt, grant.GrantId);
    }

    public string Encode() => Base64Url.Encode(Encoding.UTF8.GetBytes(ExpiresAtMs.ToString(CultureInfo.InvariantCulture) + ":" + Id));

    public static bool TryDecode(string? token, out PageCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            return false;
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.Decode(token));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var exp) || !GrantIds.IsWellFormed(text[(colon + 1)..]))
        {
            return false;
        }

        cursor = new PageCursor(exp, text[(colon + 1)..]);
        return true;
    }
}
