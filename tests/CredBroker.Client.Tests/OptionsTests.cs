using CredBroker.Client.Internal;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CredBroker.Client.Tests;

/// <summary>Bad settings fail when the client is built, and the DI registration works end to end.</summary>
public sealed class OptionsTests
{
    [TestCase("ftp://broker:21", "Address must be an absolute http or https URL")]
    [TestCase("http://broker.internal:5080", "cleartext and not loopback")]
    public void A_bad_address_is_refused_at_build_time(string address, string problem)
    {
        var error = Assert.Throws<OptionsValidationException>(() => CredBrokerClient.Create(new CredBrokerClientOptions { Address = new Uri(address), IdentityToken = "x" }));
        Assert.That(error!.Message, Does.Contain(problem));
    }

    [Test]
    public void Cleartext_to_loopback_https_anywhere_and_cleartext_by_opt_in_are_allowed()
    {
        foreach (var options in new[]
        {
            new CredBrokerClientOptions { Address = new Uri("http://localhost:5080"), IdentityToken = "x" },
            new CredBrokerClientOptions { Address = new Uri("http://[::1]:5080"), IdentityToken = "x" },
            new CredBrokerClientOptions { Address = new Uri("https://broker.internal"), IdentityToken = "x" },
            new CredBrokerClientOptions { Address = new Uri("http://broker.internal:5080"), IdentityToken = "x", AllowCleartext = true },
        })
        {
            Assert.That(new CredBrokerClientOptionsValidator().Validate(null, options).Succeeded, Is.True, options.Address.ToString());
        }
    }

    [Test]
    public void Exactly_one_identity_source_is_required()
    {
        var none = new CredBrokerClientOptions();
        var two = new CredBrokerClientOptions { IdentityToken = "x", IdentityTokenFile = "/run/token" };
        Assert.That(new CredBrokerClientOptionsValidator().Validate(null, none).FailureMessage, Does.Contain("exactly one of IdentityToken, IdentityTokenFile and IdentityTokenProvider (0 are set)"));
        Assert.That(new CredBrokerClientOptionsValidator().Validate(null, two).FailureMessage, Does.Contain("(2 are set)"));
    }

    [Test]
    public void Non_positive_timeouts_and_negative_margins_are_refused()
    {
        var options = new CredBrokerClientOptions { IdentityToken = "x", CallTimeout = TimeSpan.Zero, RefreshMargin = TimeSpan.FromSeconds(-1) };
        var result = new CredBrokerClientOptionsValidator().Validate(null, options);
        Assert.That(result.Failures, Has.Some.Contains("CallTimeout").And.Some.Contains("RefreshMargin"));
    }

    [Test]
    public void AddCredBrokerClient_validates_on_start()
    {
        var services = new ServiceCollection().AddCredBrokerClient(o => o.Address = new Uri("http://broker.internal:5080"));
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(error!.Message, Does.Contain("cleartext").And.Contain("exactly one of IdentityToken"));
    }

    [Test]
    public async Task AddCredBrokerClient_gives_a_working_singleton_client_through_the_grpc_client_factory()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var services = new ServiceCollection()
            .AddCredBrokerClient(o => o.Address = broker.Address)
            .AddCredBrokerClient(o => o.IdentityToken = broker.IdentityToken(TestPolicy.Support));
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        var client = provider.GetRequiredService<CredBrokerClient>();
        var grant = await client.RequestGrantAsync(ClientBroker.Tickets(BrokerFixture.NewTaskId()));

        Assert.That(provider.GetRequiredService<CredBrokerClient>(), Is.SameAs(client));
        Assert.That(grant.WorkloadId, Is.EqualTo(TestPolicy.Support));
    }

    [Test]
    public void A_pending_approval_surfaces_as_its_own_exception_with_the_approval_id()
    {
        var response = new RequestGrantResponse { Pending = new PendingApproval { ApprovalId = "a_1", Reason = "rule 'prod' needs approval", ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch) } };
        var error = Assert.Throws<GrantPendingApprovalException>(() => Mapping.ToGrant(response));
        Assert.That(error!.ApprovalId, Is.EqualTo("a_1"));
        Assert.That(error.Reason, Does.Contain("rule 'prod'"));
    }

    [TestCase(StatusCode.PermissionDenied, "PERMISSION_DENIED")]
    [TestCase(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED")]
    [TestCase(StatusCode.Unauthenticated, "UNAUTHENTICATED")]
    [TestCase(StatusCode.OK, "OK")]
    public void Status_names_are_spelled_as_gRPC_spells_them(StatusCode code, string name) =>
        Assert.That(CredBrokerException.NameOf(code), Is.EqualTo(name));
}
