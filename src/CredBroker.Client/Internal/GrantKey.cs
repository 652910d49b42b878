namespace CredBroker.Client.Internal;

/// <summary>
/// Which requests one cached grant may answer: the same task, purpose, tools (in any order), TTL
/// and context. The broker refuses control characters in every field, so the unit separator
/// cannot make two different requests share a key.
/// </summary>
internal sealed record GrantKey(string TaskId, string Purpose, string Tools, TimeSpan? Ttl, string Context)
{
    private const char Separator = '\u001f';

    public static GrantKey Of(GrantRequest request) => new(
        request.TaskId,
        request.Purpose,
        string.Join(Separator, request.Tools.Order(StringComparer.Ordinal)),
        request.Ttl,
        request.Context is null ? string.Empty : string.Join(Separator, request.Context.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)));
}
