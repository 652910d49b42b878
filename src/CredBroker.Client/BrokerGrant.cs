using System.Text;

namespace CredBroker.Client;

/// <summary>A grant the broker issued: the access token and what it is good for.</summary>
/// <param name="GrantId">Equals the token's <c>jti</c>; what release and revoke name.</param>
/// <param name="IssuedAt">When the broker issued it (the token's <c>iat</c>).</param>
/// <param name="ExpiresAt">When the token dies (its <c>exp</c>), by the broker's clock.</param>
/// <param name="TaskId">The task it is bound to; revoking the task ends it.</param>
/// <param name="WorkloadId">The workload it was granted to (the token's <c>sub</c>).</param>
/// <param name="Tools">The granted tools, every one asked for.</param>
/// <param name="AccessToken">A JWS compact <c>at+jwt</c> for the tool server named by <paramref name="Audience"/>.</param>
/// <param name="Audience">The one tool server (token <c>aud</c>) that hosts every granted tool.</param>
/// <param name="Scope">Space-separated tool names, as in the token's <c>scope</c> claim.</param>
public sealed record BrokerGrant(
    string GrantId,
    string AccessToken,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string TaskId,
    string WorkloadId,
    IReadOnlyList<string> Tools,
    string Audience,
    string Scope)
{
    /// <summary>How long the token lives, by the broker's clock.</summary>
    public TimeSpan Lifetime => ExpiresAt - IssuedAt;

    // A record prints every property by default; a grant logged by accident must not leak its token.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"GrantId = {GrantId}, TaskId = {TaskId}, WorkloadId = {WorkloadId}, Scope = {Scope}, Audience = {Audience}, ExpiresAt = {ExpiresAt:O}");
        return true;
    }
}
