using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CredBroker.Core.Audit;

/// <summary>
/// A signed statement of a chain's head: "event <c>seq</c> of this chain had hash <c>hash</c> at
/// <c>time</c>", appended to the chain itself as an <see cref="AuditKinds.Checkpoint"/> event. A
/// plain hash chain only shows that the events fit together: someone who edits an event and
/// recomputes every hash after it has a chain that fits. A checkpoint signed with the audit key
/// (which the log's readers do not hold) pins the hash of an earlier event, so such a rewrite no
/// longer matches it. The broker writes them (<c>AuditCheckpointWriter</c>, with the private key); this is
/// their format and the check anyone holding the published keys runs.
/// </summary>
internal static class AuditCheckpoint
{
    public const string Seq = "checkpoint.seq";
    public const string Hash = "checkpoint.hash";
    public const string Time = "checkpoint.time";
    public const string Kid = "checkpoint.kid";
    public const string Signature = "checkpoint.signature";

    /// <summary>How <see cref="Time"/> is written, and so signed: UTC with milliseconds, as in the canonical form.</summary>
    internal const string TimeFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    /// <summary>What is signed: a fixed label (so no other signature of this key can pass for a checkpoint), then seq, hash and time.</summary>
    public static byte[] Payload(long seq, string hash, string time) =>
        Encoding.UTF8.GetBytes($"credbroker-audit-checkpoint-v1\n{seq.ToString(CultureInfo.InvariantCulture)}\n{hash}\n{time}");

    /// <summary>The head a checkpoint event attests, or a problem when it is malformed or its signature does not verify with <paramref name="keys"/> (kid to public key).</summary>
    public static (AuditHead? Head, string? Problem) Check(AuditEvent e, IReadOnlyDictionary<string, ECDsa> keys)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(keys);
        if (!e.Evidence.TryGetValue(Seq, out var seqText) || !long.TryParse(seqText, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            || !e.Evidence.TryGetValue(Hash, out var hash) || !e.Evidence.TryGetValue(Time, out var time)
            || !e.Evidence.TryGetValue(Kid, out var kid) || !e.Evidence.TryGetValue(Signature, out var signatureText))
        {
            return (null, "the checkpoint is malformed");
        }

        if (!keys.TryGetValue(kid, out var key))
        {
            return (null, $"the checkpoint is signed with key {kid}, which is not a published audit key");
        }

        byte[] signature;
        try
        {
            signature = Base64Url.Decode(signatureText);
        }
        catch (FormatException)
        {
            return (null, "the checkpoint's signature is not base64url");
        }

        if (!key.VerifyData(Payload(seq, hash, time), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return (null, "the checkpoint's signature does not verify: it was forged or altered");
        }

        return seq >= e.Seq ? (null, "the checkpoint attests an event that does not come before it") : (new AuditHead(seq, hash), null);
    }
}
