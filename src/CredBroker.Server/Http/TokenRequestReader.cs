using System.Text.Json;
using CredBroker.Core.Policy;
using CredBroker.Protocol.V1;
using CredBroker.Server.Errors;

namespace CredBroker.Server.Http;

/// <summary>A token request read into the gRPC <c>RequestGrantRequest</c>, so both wires reach Core through one mapping.</summary>
/// <param name="GrantType">The <c>grant_type</c>, one this endpoint serves.</param>
/// <param name="Client">Who the client says it is: for the jwt-bearer grant the <c>assertion</c> itself, otherwise its client authentication.</param>
/// <param name="Resource">The RFC 8707 <c>resource</c>; null when omitted (the audience is then the one the tools live on).</param>
public sealed record TokenGrantRequest(string GrantType, ClientCredential Client, RequestGrantRequest Grant, string? Resource)
{
    /// <summary>The identity came as the RFC 7523 grant's <c>assertion</c> (a bad one is <c>invalid_grant</c>), not as client authentication (<c>invalid_client</c>).</summary>
    public bool IdentityIsGrant => GrantType == TokenRequestReader.JwtBearer;

    /// <summary>The CIBA grant's <c>auth_req_id</c>: the approval to collect.</summary>
    public string? AuthRequestId { get; init; }

    /// <summary>The RFC 8693 grant's <c>subject_token</c>: the parent's access token to narrow.</summary>
    public string? SubjectToken { get; init; }

    /// <summary>The identity came as the RFC 8693 grant's <c>actor_token</c> (a bad one is <c>invalid_request</c>, section 2.2.2).</summary>
    public bool IdentityIsActor => GrantType == TokenRequestReader.TokenExchange;
}

/// <summary>
/// Reads a token request: the RFC 7523 jwt-bearer grant (<c>assertion</c>), <c>client_credentials</c> with a
/// JWT-SVID <c>client_assertion</c> or a client certificate, the CIBA grant that collects a held request, and
/// the RFC 8693 token exchange by which a sub-agent narrows its parent's token. Then <c>scope</c> (the tools, RFC 6749 section 3.3), <c>resource</c> (RFC 8707) and one RFC 9396
/// <c>authorization_details</c> entry of type <c>credbroker_task</c>.
/// Whatever is malformed here is refused before any identity is checked or anything is recorded (invariant 8);
/// the values themselves (tool names, task id, purpose, context) are Core's to judge, as for gRPC.
/// </summary>
public static class TokenRequestReader
{
    public const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public const string ClientCredentials = "client_credentials";
    public const string TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";

    /// <summary>RFC 8693 section 3: the parent's token is one of this broker's access tokens, the actor's a JWT (its JWT-SVID).</summary>
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    public const string JwtTokenType = "urn:ietf:params:oauth:token-type:jwt";

    /// <summary>The grants this endpoint serves, as the RFC 8414 metadata lists them.</summary>
    public static readonly string[] Supported = [JwtBearer, ClientCredentials, OAuthErrors.CibaGrant, TokenExchange];

    private static readonly string[] DetailMembers = ["type", "task_id", "purpose", "tools", "context"];

    public static (TokenGrantRequest? Request, OAuthError? Error) Read(TokenRequestForm form, HttpRequest http, BrokerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(policy);
        var grantType = form["grant_type"];
        ClientCredential? client;
        switch (grantType)
        {
            case null:
                return Fail(OAuthErrors.InvalidRequest($"grant_type: required; this endpoint takes {string.Join(", ", Supported)}"));
            case TokenExchange:
                return ReadExchange(form, policy);
            case JwtBearer:
                if (form["assertion"] is not { } assertion)
                {
                    return Fail(OAuthErrors.InvalidRequest("assertion: required, the workload's JWT-SVID or OIDC identity token (RFC 7523 section 2.1)"));
                }

                client = new ClientCredential(assertion, null);
                break;
            case ClientCredentials or OAuthErrors.CibaGrant:
                (client, var badClient) = ClientCredential.Read(form, http);
                if (badClient is not null)
                {
                    return Fail(badClient);
                }

                break;
            default:
                return Fail(OAuthErrors.UnsupportedGrantType($"grant_type: '{grantType}' is not supported; this endpoint takes {string.Join(", ", Supported)}"));
        }

        if (grantType == OAuthErrors.CibaGrant)
        {
            // The held request already names task, tools and purpose; the poll only names the approval.
            return form["auth_req_id"] is { } approvalId
                ? (new TokenGrantRequest(grantType, client!, new RequestGrantRequest(), null) { AuthRequestId = approvalId }, null)
                : Fail(OAuthErrors.InvalidRequest("auth_req_id: required, the auth_req_id of the authorization_pending answer"));
        }

        var tools = (form["scope"] ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (form["authorization_details"] is not { } details)
        {
            return Fail(OAuthErrors.InvalidRequest($"authorization_details: required, e.g. [{{\"type\":\"{OAuthErrors.AuthorizationDetailsType}\",\"task_id\":\"t-42\",\"purpose\":\"triage ticket 42\"}}]"));
        }

        var grant = new RequestGrantRequest { Tools = { tools } };
        if (ReadDetails(details, grant) is { } badDetails)
        {
            return Fail(badDetails);
        }

        var resource = form["resource"];
        if (resource is not null && Target(resource, [.. grant.Tools], policy) is { } badTarget)
        {
            return Fail(badTarget);
        }

        return (new TokenGrantRequest(grantType, client!, grant, resource), null);
    }

    /// <summary>
    /// RFC 8693 section 2.1, delegation semantics: the sub-agent proves itself with <c>actor_token</c> (its JWT-SVID
    /// or OIDC token, checked as the jwt-bearer assertion is) and names the parent's access token in
    /// <c>subject_token</c>; <c>scope</c> narrows the parent's tools, <c>resource</c> (RFC 8707), when given, must be
    /// the parent's audience, and an optional <c>credbroker_task</c> entry of <c>authorization_details</c> gives the
    /// purpose and the task the caller expects. A delegated grant takes no context of its own.
    /// </summary>
    private static (TokenGrantRequest?, OAuthError?) ReadExchange(TokenRequestForm form, BrokerPolicy policy)
    {
        if (form["subject_token"] is not { } subject)
        {
            return Fail(OAuthErrors.InvalidRequest("subject_token: required, the parent's access token (RFC 8693 section 2.1)"));
        }

        if (form["subject_token_type"] != AccessTokenType)
        {
            return Fail(OAuthErrors.InvalidRequest($"subject_token_type: must be {AccessTokenType}, the parent's access token from this broker"));
        }

        if (form["actor_token"] is not { } actor)
        {
            return Fail(OAuthErrors.InvalidRequest("actor_token: required, the sub-agent's own JWT-SVID or OIDC identity token"));
        }

        if (form["actor_token_type"] != JwtTokenType)
        {
            return Fail(OAuthErrors.InvalidRequest($"actor_token_type: must be {JwtTokenType} (RFC 8693 section 2.1: required with actor_token)"));
        }

        if (form["requested_token_type"] is { } requested && requested != AccessTokenType)
        {
            return Fail(OAuthErrors.InvalidRequest($"requested_token_type: this broker issues {AccessTokenType} only"));
        }

        if (form["audience"] is not null)
        {
            return Fail(OAuthErrors.InvalidRequest("audience: not supported; name the tool server with resource (RFC 8707), or leave it out for the parent's"));
        }

        var grant = new RequestGrantRequest { Tools = { (form["scope"] ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries) } };
        if (form["authorization_details"] is { } details)
        {
            if (ReadDetails(details, grant) is { } badDetails)
            {
                return Fail(badDetails);
            }

            if (grant.Context.Count > 0)
            {
                return Fail(Details("[0].context: a delegated grant takes no context of its own; it narrows its parent's"));
            }
        }

        var resource = form["resource"];
        if (resource is not null && Target(resource, [.. grant.Tools], policy) is { } badTarget)
        {
            return Fail(badTarget);
        }

        return (new TokenGrantRequest(TokenExchange, new ClientCredential(actor, null), grant, resource) { SubjectToken = subject }, null);
    }

    /// <summary>
    /// RFC 8707 section 2: a resource that is no audience of a tool is <c>invalid_target</c>, and so is one the
    /// requested tools do not live on (a token has one audience, so it could not be that resource's).
    /// Unknown tools are left to Core, which refuses them as gRPC does.
    /// </summary>
    private static OAuthError? Target(string resource, string[] tools, BrokerPolicy policy)
    {
        if (!policy.Tools.Values.Any(t => string.Equals(t.Audience, resource, StringComparison.Ordinal)))
        {
            return OAuthErrors.InvalidTarget($"resource: '{resource}' is not the audience of any tool in policy");
        }

        foreach (var tool in tools)
        {
            if (policy.Tools.TryGetValue(tool, out var known) && !string.Equals(known.Audience, resource, StringComparison.Ordinal))
            {
                return OAuthErrors.InvalidTarget($"resource: tool '{tool}' is served by {known.Audience}, not {resource}; request it with resource={known.Audience}");
            }
        }

        return null;
    }

    /// <summary>RFC 9396 section 2: a JSON array of objects, each with a <c>type</c>; this endpoint takes exactly one, ours.</summary>
    private static OAuthError? ReadDetails(string json, RequestGrantRequest grant)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException)
        {
            return Details("is not JSON; send a JSON array with one credbroker_task object");
        }

        using (document)
        {
            if (document.RootElement is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() != 1 || array[0].ValueKind != JsonValueKind.Object)
            {
                return Details($"must be a JSON array with exactly one object of type {OAuthErrors.AuthorizationDetailsType}");
            }

            var entry = array[0];
            if (!entry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != OAuthErrors.AuthorizationDetailsType)
            {
                return Details($"[0].type: must be \"{OAuthErrors.AuthorizationDetailsType}\"");
            }

            foreach (var member in entry.EnumerateObject())
            {
                if (!DetailMembers.Contains(member.Name, StringComparer.Ordinal))
                {
                    return Details($"[0].{member.Name}: not a member of {OAuthErrors.AuthorizationDetailsType} (it has {string.Join(", ", DetailMembers)})");
                }
            }

            grant.TaskId = Text(entry, "task_id", out var badTask) ?? string.Empty;
            grant.Purpose = Text(entry, "purpose", out var badPurpose) ?? string.Empty;
            if ((badTask ?? badPurpose) is { } bad)
            {
                return bad;
            }

            if (Tools(entry, grant) is { } badTools)
            {
                return badTools;
            }

            if (!entry.TryGetProperty("context", out var context))
            {
                return null;
            }

            if (context.ValueKind != JsonValueKind.Object)
            {
                return Details("[0].context: must be an object of string values");
            }

            foreach (var item in context.EnumerateObject())
            {
                if (item.Value.ValueKind != JsonValueKind.String)
                {
                    return Details($"[0].context.{item.Name}: must be a string");
                }

                if (grant.Context.ContainsKey(item.Name))
                {
                    return Details($"[0].context.{item.Name}: given twice");
                }

                grant.Context[item.Name] = item.Value.GetString();
            }

            return null;
        }
    }

    /// <summary>
    /// The tools may come in <c>scope</c>, in the entry's <c>tools</c> (RFC 9396 section 2.2's <c>actions</c> role), or in both
    /// when they agree: a client echoing the granted details back must not be refused for it.
    /// </summary>
    private static OAuthError? Tools(JsonElement entry, RequestGrantRequest grant)
    {
        if (!entry.TryGetProperty("tools", out var tools))
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array || tools.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
        {
            return Details("[0].tools: must be an array of tool names");
        }

        var named = tools.EnumerateArray().Select(t => t.GetString()!).ToList();
        if (grant.Tools.Count == 0)
        {
            grant.Tools.AddRange(named);
            return null;
        }

        return named.Order(StringComparer.Ordinal).SequenceEqual(grant.Tools.Order(StringComparer.Ordinal), StringComparer.Ordinal)
            ? null
            : Details($"[0].tools: [{string.Join(", ", named)}] differs from scope '{string.Join(' ', grant.Tools)}'; send the tools once, or the same in both");
    }

    private static string? Text(JsonElement entry, string name, out OAuthError? error)
    {
        error = null;
        if (!entry.TryGetProperty(name, out var value))
        {
            // Missing is Core's to refuse ("task_id: required"), as it is for an empty gRPC field.
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            error = Details($"[0].{name}: must be a string");
            return null;
        }

        return value.GetString();
    }

    private static OAuthError Details(string problem) => OAuthErrors.InvalidAuthorizationDetails("authorization_details" + (problem.StartsWith('[') ? problem : ": " + problem));

    private static (TokenGrantRequest?, OAuthError?) Fail(OAuthError error) => (null, error);
}
