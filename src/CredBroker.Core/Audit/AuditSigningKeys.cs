using System.Security.Cryptography;
using CredBroker.Core.SigningKeys;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Audit;

/// <summary>
/// The ES256 keys that sign audit checkpoints: <c>audit-signing*.pem</c> in the key directory, apart
/// from the token-signing keys (a token key never signs a checkpoint, nor the reverse). Whoever can
/// read or rewrite the audit log (a SIEM, a Redis operator) cannot forge a checkpoint without this
/// file. The newest signs; all are published (<c>/.well-known/audit-keys.json</c>) so checkpoints
/// signed before a key was added still verify.
/// </summary>
public sealed class AuditSigningKeys : IDisposable
{
    private const string Prefix = "audit-signing";

    private readonly IReadOnlyList<SigningKey> keys;

    public AuditSigningKeys(IOptions<SigningKeyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = new KeyDirectory(options.Value.KeyDirectory);
        var found = directory.LoadAll(Prefix);
        if (found.Count == 0)
        {
            // Safe when replicas sharing the directory race: one file wins and both read it.
            var created = directory.LoadOrCreate(Prefix, out var createdAt);
            found = [(Prefix, created, createdAt)];
        }

        keys = found.Select(k => new SigningKey(k.Key, k.CreatedAt)).ToList();
    }

    /// <summary>The key that signs new checkpoints.</summary>
    public SigningKey Active => keys[^1];

    public IReadOnlyList<SigningKey> Published => keys;

    /// <summary>The ES256 signature (RFC 7518 section 3.4: R and S, 32 bytes each) over <paramref name="payload"/>.</summary>
    public byte[] Sign(byte[] payload) => Active.Key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose()
    {
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
