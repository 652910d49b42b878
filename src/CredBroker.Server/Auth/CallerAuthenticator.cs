using CredBroker.Core.Identity;
using Grpc.Core;

namespace CredBroker.Server.Auth;

/// <summary>Turns the <c>authorization: Bearer</c> metadata of a call into a workload identity, or says why not.</summary>
public sealed class CallerAuthenticator(IdentityTokenValidator validator, IdentityCache cache)
{
    private const string Scheme = "Bearer ";

    public async Task<IdentityValidation> AuthenticateAsync(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrEmpty(header))
        {
            return IdentityValidation.Fail("no identity: send 'authorization: Bearer <identity token>'");
        }

        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
        {
            return IdentityValidation.Fail("authorization metadata must be 'Bearer <identity token>'");
        }

        var token = header[Scheme.Length..].Trim();
        if (cache.TryGet(token, out var cached))
        {
            return IdentityValidation.Success(cached);
        }

        var result = await validator.ValidateAsync(token).ConfigureAwait(false);
        if (result.Identity is { } identity)
        {
            cache.Add(token, identity);
        }

        return result;
    }
}
