namespace CredBroker.Core.SigningKeys;

/// <summary>Where signing keys live and how a rotation moves them through PREPARED, ACTIVE and OLD.</summary>
public sealed class SigningKeyOptions
{
    /// <summary>Directory of PEM key files shared by every replica. Default: <c>.credbroker/keys</c> under the working directory.</summary>
    public string KeyDirectory { get; set; } = ".credbroker/keys";

    /// <summary>
    /// How long a new key is published in the JWKS before it signs anything, so every verifier's
    /// cached JWKS knows it first. Default: 10 minutes. The very first key signs at once.
    /// </summary>
    public TimeSpan PublishLead { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long verifiers may cache the JWKS. Default: 5 minutes. An old key stays published this much longer.</summary>
    public TimeSpan JwksCacheAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often a running broker rereads the key directory, so a key another process added
    /// (<c>credbroker-server keys rotate</c>, another replica) is published without a restart. Default: 10 seconds;
    /// it must stay well below <see cref="PublishLead"/>.
    /// </summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);
}
