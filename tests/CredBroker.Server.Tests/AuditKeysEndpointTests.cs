using System.Net.Http.Json;
using System.Text.Json;
using CredBroker.Core.Audit;
using CredBroker.Testing.Broker;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>The audit keys are published like the JWKS, and apart from it: no token key signs a checkpoint, no audit key a token.</summary>
public sealed class AuditKeysEndpointTests
{
    [Test]
    public async Task The_audit_keys_are_published_apart_from_the_token_keys_and_verify_the_brokers_checkpoints()
    {
        await using var broker = await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { ["CredBroker:Audit:CheckpointInterval"] = "01:00:00" });
        await broker.Grants.RequestGrantAsync(new Protocol.V1.RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "read a ticket", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support));
        await broker.Services.GetRequiredService<AuditCheckpointWriter>().WriteAsync(CancellationToken.None);

        var auditKeys = AuditKeySet.Parse(await broker.Http.GetStringAsync("/.well-known/audit-keys.json"));
        var jwks = await broker.Http.GetFromJsonAsync<JsonElement>("/.well-known/jwks.json");
        var tokenKids = jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();

        var events = (await broker.Services.GetRequiredService<IAuditReader>().ReadAsync(null, 100, CancellationToken.None)).Select(r => r.Event).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(auditKeys.Keys, Has.Count.EqualTo(1));
            Assert.That(tokenKids, Is.Not.Empty.And.No.AnyOf(auditKeys.Keys.ToArray()));
            Assert.That(events.Select(e => e.Kind), Is.EqualTo(new[] { AuditKinds.GrantIssued, AuditKinds.Checkpoint }));
            Assert.That(AuditVerification.Verify(events, new AuditExpectations(auditKeys, null, null, TimeSpan.FromMinutes(10))), Is.EqualTo(new AuditVerificationResult(null, 1, 1)));
        });
    }
}
