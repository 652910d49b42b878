using CredBroker.Core.Identity;
using Grpc.Core;

namespace CredBroker.Server.Auth;

/// <summary>
/// Turns a call into a workload identity, or says why not. The <c>authorization: Bearer</c> identity
/// token decides when present; otherwise a TLS client certificate is checked as an X.509-SVID.
/// </summary>
public sealed class CallerAuthenticator(IdentityTokenValidator validator, X509SvidValidator certificates, IdentityCache cache)
{
    private const string Scheme = "Bearer ";

    public async Task<IdentityValidation> AuthenticateAsync(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrEmpty(header))
        {
            return context.GetHttpContext().Connection.ClientCertificate is { } certificate
                ? certificates.Validate(certificate)
                : IdentityValidation.Fail("no identity: send 'authorization: Bearer <identity token>' or a client certificate with a SPIFFE ID");
        }

        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
        {
            return IdentityValidation.Fail("authorization metadata must be 'Bearer <identity token>'");
        }

        return await AuthenticateBearerAsync(header[Scheme.Length..].Trim(), context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Validates an identity token however it arrived: the gRPC bearer metadata or the OAuth token endpoint's
    /// RFC 7523 <c>assertion</c>, so both wires accept exactly the same identities.
    /// </summary>
    /// <exception cref="Core.Storage.BrokerStoreUnavailableException">Single-use tokens cannot be checked against the replay guard.</exception>
    public async Task<IdentityValidation> AuthenticateBearerAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);

        // Single-use tokens are checked against the replay guard every time, never served from the cache.
        if (!validator.SingleUse && cache.TryGet(token, out var cached))
        {
            return IdentityValidation.Success(cached);
        }

        var result = await validator.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
        if (!validator.SingleUse)
        {
            cache.Add(token, result);
        }

        return result;
    }
}
