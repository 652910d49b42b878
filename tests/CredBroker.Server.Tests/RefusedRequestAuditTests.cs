using System.Security.Cryptography;
using System.Text;
using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Redis;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Server.Tests;

/// <summary>
/// Refused requests are on record, but bounded: oversized input is cut to the field limits (with its
/// length and SHA-256), and an identity past its refusal limit is refused RESOURCE_EXHAUSTED without
/// a record each, so a flood of huge bad requests costs the audit log a few KB, in memory and in Redis.
/// </summary>
public sealed class RefusedRequestAuditTests
{
    private static readonly Dictionary<string, string?> Limit = new()
    {
        ["CredBroker:RefusalLimit:MaxRefusals"] = "5",
        ["CredBroker:RefusalLimit:Window"] = "00:10:00",
    };

    private static async Task<List<string>> LogLinesAsync(BrokerFixture broker) =>
        (await broker.Services.GetRequiredService<IAuditReader>().ReadAsync(null, 100_000, CancellationToken.None)).Select(r => AuditCanonical.ToJson(r.Event)).ToList();

    private static TimeSpan? RetryDelay(RpcException e) => e.GetRpcStatus()?.GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay.ToTimeSpan();

    [TestCase(false)]
    [TestCase(true)]
    public async Task Twenty_oversized_refused_requests_grow_the_audit_log_by_a_bounded_amount_and_the_refusal_limit_kicks_in(bool redis)
    {
        var endpoint = redis ? await SharedRedis.GetEndpointAsync() : null;
        var prefix = "refused-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var broker = await BrokerFixture.StartAsync(endpoint, redisKeyPrefix: prefix, settings: Limit);
        var before = await LogLinesAsync(broker);
        var purpose = new string('p', 1_000_000);
        var oversized = new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = purpose, Tools = { "tickets.read" } };

        var refusals = new List<RpcException>();
        for (var i = 0; i < 20; i++)
        {
            refusals.Add(Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(oversized, broker.As(TestPolicy.Support)))!);
        }

        var added = (await LogLinesAsync(broker)).Skip(before.Count).ToList();
        var events = added.Select(AuditCanonical.Parse).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(refusals.Take(5).Select(r => r.StatusCode), Is.All.EqualTo(StatusCode.InvalidArgument));
            Assert.That(refusals.Skip(5).Select(r => r.StatusCode), Is.All.EqualTo(StatusCode.ResourceExhausted), "the limit kicks in at the sixth refusal");
            Assert.That(refusals.Skip(5).Select(RetryDelay), Is.All.GreaterThan(TimeSpan.Zero), "with google.rpc.RetryInfo");
            Assert.That(refusals[5].Status.Detail, Does.Contain("more than 5 refused requests"));

            // Five refusals and the one that crossed the limit; the fourteen after it are not recorded one by one.
            Assert.That(events.Select(e => e.Kind), Is.All.EqualTo(AuditKinds.GrantRefused));
            Assert.That(events.Select(e => e.Decision), Is.EqualTo(Enumerable.Repeat("invalid_argument", 5).Append("resource_exhausted")));
            Assert.That(added.Sum(l => Encoding.UTF8.GetByteCount(l)), Is.LessThan(6 * 4096), "20 MB of refused input costs the log a few KB");
            Assert.That(events.Select(e => e.Purpose.Length), Is.All.EqualTo(1024));
            Assert.That(events[0].Evidence["truncated:purpose"], Is.EqualTo($"length=1000000 sha256={Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(purpose)))}"));
        });

        // The limit is the identity's own: another workload is decided as usual, the limited one is not.
        var other = await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "read the code", Tools = { "repo.read" } }, broker.As(TestPolicy.Coder));
        Assert.That(other.Grant, Is.Not.Null);
        var limited = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "read a ticket", Tools = { "tickets.read" } }, broker.As(TestPolicy.Support)));
        Assert.That(limited!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public async Task Refused_context_and_tools_are_recorded_cut_to_their_limits_with_what_was_cut()
    {
        await using var broker = await BrokerFixture.StartAsync(settings: Limit);
        var request = new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "read a ticket", Tools = { "tickets.read", new string('t', 500_000) } };
        for (var i = 0; i < 100; i++)
        {
            request.Context["k" + i] = new string('v', 5_000);
        }

        request.Context["truncated:purpose"] = "forged";
        var refused = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(request, broker.As(TestPolicy.Support)));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));

        var recorded = (await LogLinesAsync(broker)).Select(AuditCanonical.Parse).Single(e => e.Kind == AuditKinds.GrantRefused);
        Assert.Multiple(() =>
        {
            Assert.That(recorded.Tools.Select(t => t.Length), Is.EqualTo(new[] { 12, 128 }));
            Assert.That(recorded.Evidence["truncated:tools"], Does.StartWith("entries=2 length=500013 sha256="));
            Assert.That(recorded.Evidence["truncated:context"], Does.StartWith("entries=101 "));
            Assert.That(recorded.Evidence.ContainsKey("truncated:purpose"), Is.False, "a caller cannot forge a truncation note");
            // The kept context entries, beside the broker's own 'wire' (added after the cut, so never cut itself).
            Assert.That(recorded.Evidence.Keys.Count(k => !k.StartsWith(AuditBounds.TruncatedPrefix, StringComparison.Ordinal) && k != "wire"), Is.EqualTo(32));
            Assert.That(recorded.Evidence["wire"], Is.EqualTo("grpc"));
            Assert.That(recorded.Evidence.Values, Has.All.Length.LessThanOrEqualTo(256));
        });
    }

    [TestCase("CredBroker:RefusalLimit:MaxRefusals", "-1")]
    [TestCase("CredBroker:RefusalLimit:Window", "00:00:00")]
    [TestCase("CredBroker:Audit:CheckpointInterval", "00:00:00")]
    public void A_bad_refusal_limit_or_checkpoint_interval_stops_the_broker_at_start(string setting, string value)
    {
        var error = Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () => await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { [setting] = value }));
        Assert.That(error!.Message, Does.Contain(setting));
    }
}
