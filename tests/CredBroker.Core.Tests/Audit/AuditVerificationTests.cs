using System.Security.Cryptography;
using CredBroker.Core.Audit;
using CredBroker.Core.SigningKeys;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Tests.Audit;

/// <summary>Signed checkpoints against someone who can rewrite the log but holds no audit key.</summary>
public sealed class AuditVerificationTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    private string directory = string.Empty;

    [SetUp]
    public void CreateKeyDirectory() => directory = Directory.CreateTempSubdirectory("credbroker-audit-keys-").FullName;

    [TearDown]
    public void DeleteKeyDirectory() => Directory.Delete(directory, recursive: true);

    private AuditSigningKeys Keys() => new(Options.Create(new SigningKeyOptions { KeyDirectory = directory }));

    private static Dictionary<string, ECDsa> Published(AuditSigningKeys keys) =>
        AuditKeySet.Parse(System.Text.Json.JsonSerializer.Serialize(new { keys = keys.Published.Select(k => new { kty = "EC", crv = "P-256", x = k.X, y = k.Y, kid = k.Kid }) }));

    private static AuditExpectations With(AuditSigningKeys keys) => new(Published(keys), null, null, TimeSpan.FromMinutes(10));

    /// <summary>Events a minute apart for half an hour, a checkpoint of seq 20 after it, then a few more.</summary>
    private static List<AuditEvent> Log(AuditSigningKeys signer)
    {
        var unsealed = new List<AuditEvent>();
        for (var i = 0; i < 20; i++)
        {
            unsealed.Add(Event(i));
        }

        var events = AuditChain.SealAll(unsealed, 0, AuditCanonical.GenesisHash).ToList();
        var checkpoint = AuditCheckpointWriter.Create(new AuditHead(20, events[^1].Hash), Start.AddMinutes(30), signer) with { Time = Start.AddMinutes(30) };
        events.Add(AuditChain.Seal(checkpoint, 21, events[^1].Hash));
        events.AddRange(AuditChain.SealAll([Event(31), Event(32)], 21, events[^1].Hash));
        return events;
    }

    private static AuditEvent Event(int minute) => new(
        0, "ev-" + minute, Start.AddMinutes(minute), AuditKinds.GrantIssued, "allow", "spiffe://example.org/agent/a", string.Empty,
        "spiffe://example.org/agent/a", "alice@example.org", "task-1", "triage", ["db.read"], "g_" + minute, string.Empty, new Dictionary<string, string>(), string.Empty, string.Empty);

    private static List<AuditEvent> Reseal(IEnumerable<AuditEvent> events)
    {
        var prev = AuditCanonical.GenesisHash;
        var seq = 0L;
        return events.Select(e =>
        {
            var sealedEvent = AuditChain.Seal(e, ++seq, prev);
            prev = sealedEvent.Hash;
            return sealedEvent;
        }).ToList();
    }

    [Test]
    public void An_intact_log_verifies_signed_through_its_checkpoint()
    {
        using var keys = Keys();
        var result = AuditVerification.Verify(Log(keys), With(keys));
        Assert.That(result, Is.EqualTo(new AuditVerificationResult(null, 1, 20)));
    }

    [Test]
    public void Checkpoints_removed_and_the_chain_recomputed_leave_old_events_unsigned()
    {
        using var keys = Keys();
        var stripped = Reseal(Log(keys).Where(e => e.Kind != AuditKinds.Checkpoint));
        var result = AuditVerification.Verify(stripped, With(keys));
        Assert.That(result.Broken?.Problem, Does.Contain("no signed checkpoint covers it"));
        Assert.That(result.Broken!.Seq, Is.EqualTo(1));
    }

    [Test]
    public void A_checkpoint_signed_with_a_key_that_is_not_published_is_refused()
    {
        using var keys = Keys();
        var other = Directory.CreateTempSubdirectory("credbroker-audit-other-").FullName;
        try
        {
            using var attacker = new AuditSigningKeys(Options.Create(new SigningKeyOptions { KeyDirectory = other }));
            var forged = Reseal(Log(keys).Select(e => e.Kind == AuditKinds.Checkpoint ? AuditCheckpointWriter.Create(new AuditHead(20, "x"), e.Time, attacker) : e));
            var result = AuditVerification.Verify(forged, With(keys));
            Assert.That(result.Broken?.Problem, Does.Contain("not a published audit key"));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Test]
    public void A_checkpoint_whose_signed_head_was_edited_does_not_verify()
    {
        using var keys = Keys();
        var log = Log(keys);
        var edited = Reseal(log.Select(e => e.Kind == AuditKinds.Checkpoint
            ? e with { Evidence = new Dictionary<string, string>(e.Evidence) { [AuditCheckpoint.Seq] = "19", [AuditCheckpoint.Hash] = log[18].Hash } }
            : e));
        var result = AuditVerification.Verify(edited, With(keys));
        Assert.That(result.Broken?.Problem, Does.Contain("signature does not verify"));
    }

    [Test]
    public void The_audit_key_is_kept_apart_from_the_token_signing_keys_and_reused_after_a_restart()
    {
        string kid;
        using (var first = Keys())
        {
            kid = first.Active.Kid;
        }

        using var again = Keys();
        Assert.That(again.Active.Kid, Is.EqualTo(kid));
        Assert.That(Directory.GetFiles(directory, "signing-*.pem"), Is.Empty, "a token key ring reading this directory finds no audit key");
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(Path.Combine(directory, "audit-signing.pem")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
    }
}
