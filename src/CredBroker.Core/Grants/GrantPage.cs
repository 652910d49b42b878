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
/// Where a page ends: the (exp, grant id) of its last grant. Both stores order live grants that way,
/// so a token stays meaningful while grants are added or expire between pages.
/// </summary>
public readonly record struct GrantCursor(long ExpiresAtMs, string GrantId)
{
    public static GrantCursor Of(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return new(grant.ExpiresAt.ToUnixTimeMilliseconds(), grant.GrantId);
    }

    /// <summary>Whether <paramref name="grant"/> comes after this cursor in list order.</summary>
    public bool Precedes(GrantRecord grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var exp = grant.ExpiresAt.ToUnixTimeMilliseconds();
        return exp > ExpiresAtMs || (exp == ExpiresAtMs && string.CompareOrdinal(grant.GrantId, GrantId) > 0);
    }

    public string Encode() => Base64Url.Encode(Encoding.UTF8.GetBytes(ExpiresAtMs.ToString(CultureInfo.InvariantCulture) + ":" + GrantId));

    public static bool TryDecode(string? token, out GrantCursor cursor)
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

        cursor = new GrantCursor(exp, text[(colon + 1)..]);
        return true;
    }
}
