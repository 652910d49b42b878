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

/// <summary>
/// One page of live grants in the store's order, stable from page to page (the in-memory store: by expiry
/// then grant id; Redis: task by task, each task's by expiry then grant id); <see cref="NextPageToken"/>
/// is null on the last page.
/// </summary>
public sealed record GrantPage(IReadOnlyList<GrantRecord> Grants, string? NextPageToken);

/// <summary>
/// Where a page ends: the (expiry, id) of its last item, and for a store that lists item by group
/// (Redis lists grants task by task) the group's position, opaque outside that store. Items are
/// listed in (expiry, id) order within a group, so a token stays meaningful while items are added
/// or expire between pages.
/// </summary>
public readonly record struct PageCursor(long ExpiresAtMs, string Id, string? Group = null)
{
    /// <summary>Longest <see cref="Group"/> a token may carry: a task id and a number, with room to spare.</summary>
    public const int MaxGroupLength = 200;

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

    public string Encode() => Base64Url.Encode(Encoding.UTF8.GetBytes(
        ExpiresAtMs.ToString(CultureInfo.InvariantCulture) + ":" + Id + (Group is null ? string.Empty : ":" + Group)));

    public static bool TryDecode(string? token, out PageCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(token) || token.Length > 512)
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

        var parts = text.Split(':', 3);
        if (parts.Length < 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var exp) || !GrantIds.IsWellFormed(parts[1]))
        {
            return false;
        }

        var group = parts.Length == 3 ? parts[2] : null;
        if (group is not null && (group.Length is 0 or > MaxGroupLength || !group.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-')))
        {
            return false;
        }

        cursor = new PageCursor(exp, parts[1], group);
        return true;
    }
}
