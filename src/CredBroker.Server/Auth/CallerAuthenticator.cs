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

        var token = header[Scheme.Length..].Trim();

        // Single-use tokens are checked against the replay guard every time, never served from the cache.
        if (!validator.SingleUse && cache.TryGet(token, out var cached))
        {
            return IdentityValidation.Success(cached);
        }

        var result = await validator.ValidateAsync(token, context.CancellationToken).ConfigureAwait(false);
        if (!validator.SingleUse)
        {
            cache.Add(token, result);
        }

        return result;
    }
}
