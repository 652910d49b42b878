using CredBroker.Core;
using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using CredBroker.Server.Auth;
using CredBroker.Server.Errors;

namespace CredBroker.Server.Http;

/// <summary>
/// How an OAuth client proved who it is: a JWT-SVID sent as an RFC 7523 section 2.2 <c>client_assertion</c>,
/// or, when <see cref="Assertion"/> is null, the TLS client certificate (RFC 8705 section 2.1 <c>tls_client_auth</c>).
/// </summary>
/// <param name="ClientId">The <c>client_id</c> the client named, if any; it must be the identity it proves.</param>
public sealed record ClientCredential(string? Assertion, string? ClientId)
{
    public const string JwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>The client authentication parameters of a form; malformed ones are refused before anything is checked.</summary>
    public static (ClientCredential? Credential, OAuthError? Error) Read(TokenRequestForm form, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(request);
        if (form["client_secret"] is not null || request.Headers.Authorization.Count > 0)
        {
            // RFC 6749 section 2.3: CredBroker's clients are workloads with an identity, never holders of a shared secret.
            return (null, OAuthErrors.InvalidClient("client secrets and the Authorization header are not accepted; authenticate with a JWT-SVID client_assertion or an X.509-SVID client certificate"));
        }

        var type = form["client_assertion_type"];
        var assertion = form["client_assertion"];
        return (type, assertion) switch
        {
            (null, null) => (new ClientCredential(null, form["client_id"]), null),
            (null, _) => (null, OAuthErrors.InvalidRequest($"client_assertion_type: required with client_assertion; send {JwtBearerAssertion}")),
            (_, null) => (null, OAuthErrors.InvalidRequest("client_assertion: required with client_assertion_type, the workload's JWT-SVID")),
            (JwtBearerAssertion, _) => (new ClientCredential(assertion, form["client_id"]), null),
            _ => (null, OAuthErrors.InvalidClient($"client_assertion_type: '{type}' is not supported; send {JwtBearerAssertion}")),
        };
    }
}

/// <summary>
/// Authenticates the caller of an OAuth endpoint with the same validators as the gRPC interceptor
/// (<see cref="CallerAuthenticator"/> for identity tokens, <see cref="X509SvidValidator"/> for certificates),
/// then checks it holds the role the endpoint needs, as <c>MethodRoles</c> does for gRPC.
/// </summary>
public static class OAuthClientAuthentication
{
    /// <summary>The identity the client proved, admitted under <paramref name="role"/>; or the error to answer.</summary>
    public static async Task<(Caller? Caller, OAuthError? Error)> AuthenticateAsync(HttpContext http, ClientCredential credential, BrokerPolicy policy, Role role, string endpoint)
    {
        var (identity, refused) = await IdentifyAsync(http, credential, endpoint).ConfigureAwait(false);
        return refused is null ? Admit(identity!, policy, endpoint, Logger(http), role) : (null, refused);
    }

    /// <summary>The identity the client proved, once: a single-use assertion cannot be checked twice.</summary>
    public static async Task<(WorkloadIdentity? Identity, OAuthError? Error)> IdentifyAsync(HttpContext http, ClientCredential credential, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(credential);
        var logger = Logger(http);
        IdentityValidation validation;
        if (credential.Assertion is { } assertion)
        {
            try
            {
                validation = await http.RequestServices.GetRequiredService<CallerAuthenticator>().AuthenticateBearerAsync(assertion, http.RequestAborted).ConfigureAwait(false);
            }
            catch (BrokerStoreUnavailableException)
            {
                return (null, OAuthErrors.From(Refusal.StoreUnavailable("identity replay store unavailable; nothing done, try again")));
            }
        }
        else if (http.Connection.ClientCertificate is { } certificate)
        {
            validation = http.RequestServices.GetRequiredService<X509SvidValidator>().Validate(certificate);
        }
        else
        {
            return (null, OAuthErrors.InvalidClient($"no client authentication: send client_assertion_type={ClientCredential.JwtBearerAssertion} with a JWT-SVID client_assertion, or a client certificate (X.509-SVID) over TLS"));
        }

        if (validation.Identity is not { } identity)
        {
            ServerLog.OAuthClientRefused(logger, endpoint, validation.Failure!);
            return (null, OAuthErrors.InvalidClient((credential.Assertion is null ? "client certificate: " : "client_assertion: ") + validation.Failure));
        }

        if (credential.ClientId is { } clientId && !string.Equals(clientId, identity.Id, StringComparison.Ordinal))
        {
            // RFC 8705 section 2: the certificate (or assertion) must be the named client's; a mismatch is another client's name.
            ServerLog.OAuthClientRefused(logger, endpoint, "client_id mismatch");
            return (null, OAuthErrors.InvalidClient($"client_id: '{clientId}' is not the authenticated identity {identity.Id}; omit client_id or send that one"));
        }

        return (identity, null);
    }

    /// <summary>
    /// The form of an endpoint that serves authenticated clients only (RFC 7662 section 2.1, RFC 7009 section 2.1):
    /// read and shape-checked first, then the client authenticated and admitted under the first of
    /// <paramref name="roles"/> it holds. Nothing is decided before both pass.
    /// </summary>
    public static async Task<(TokenRequestForm? Form, Caller? Caller, OAuthError? Error)> ReadAsync(HttpContext http, BrokerPolicy policy, string endpoint, params Role[] roles)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(roles);
        var (form, badForm) = await TokenRequestForm.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (badForm is not null)
        {
            return (null, null, badForm);
        }

        var (credential, badCredential) = ClientCredential.Read(form!, http.Request);
        if (badCredential is not null)
        {
            return (null, null, badCredential);
        }

        if (form!["token"] is null)
        {
            return (null, null, OAuthErrors.InvalidRequest("token: required, the access token to ask about"));
        }

        var (identity, refused) = await IdentifyAsync(http, credential!, endpoint).ConfigureAwait(false);
        if (refused is not null)
        {
            return (null, null, refused);
        }

        Caller? caller;
        (caller, refused) = Admit(identity!, policy, endpoint, Logger(http), roles);
        return refused is null ? (form, caller, null) : (null, null, refused);
    }

    /// <summary>An identity admitted under the first of <paramref name="roles"/> it holds, or <c>unauthorized_client</c> naming the roles it lacks.</summary>
    public static (Caller? Caller, OAuthError? Error) Admit(WorkloadIdentity identity, BrokerPolicy policy, string endpoint, ILogger logger, params Role[] roles)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var role in roles)
        {
            if (CallerRoles.Holds(policy, identity.Id, role))
            {
                return (new Caller(identity, role), null);
            }
        }

        var what = string.Join(" or ", roles.Select(r => r == Role.Agent ? "agent (it is not a workload in policy)" : r.ToString().ToLowerInvariant()));
        ServerLog.OAuthClientLacksRole(logger, endpoint, identity.Id, what);
        return (null, OAuthErrors.UnauthorizedClient($"{identity.Id} lacks role {what}, which {endpoint} requires"));
    }

    public static ILogger Logger(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OAuthClientAuthentication));
    }
}
