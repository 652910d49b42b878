namespace CredBroker.Client.Identity;

/// <summary>Turns the identity settings of <see cref="CredBrokerClientOptions"/> into the one provider the client asks per call.</summary>
internal static class IdentityTokens
{
    public static Func<CancellationToken, ValueTask<string>> From(CredBrokerClientOptions options)
    {
        if (options.IdentityTokenProvider is { } provider)
        {
            return provider;
        }

        if (options.IdentityTokenFile is { } path)
        {
            return new FileIdentityToken(path).GetAsync;
        }

        var token = options.IdentityToken ?? throw new InvalidOperationException("no identity token is configured");
        return _ => ValueTask.FromResult(token);
    }
}
