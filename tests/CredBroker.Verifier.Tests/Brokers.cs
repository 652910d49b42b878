using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;

namespace CredBroker.Verifier.Tests;

/// <summary>What the integration tests ask of a broker and a verifier together.</summary>
public static class Brokers
{
    /// <summary>The default MaxStaleness: the bound within which a revocation must reach the verifier.</summary>
    public static readonly TimeSpan StalenessBound = TimeSpan.FromSeconds(5);

    public static async Task<Grant> GrantAsync(this BrokerFixture broker, string tool = "tickets.read", string workload = TestPolicy.Support, string? taskId = null) =>
        (await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = taskId ?? BrokerFixture.NewTaskId(), Purpose = "p", Tools = { tool } }, broker.As(workload))).Grant;

    public static async Task<IntrospectResponse> IntrospectAsync(this BrokerFixture broker, string token) =>
        await broker.Verify.IntrospectAsync(new IntrospectRequest { Token = token }, broker.As(TestPolicy.Tool));

    /// <summary>Polls the verifier until it refuses the token as revoked, up to the staleness bound; returns the refusal.</summary>
    public static async Task<TokenVerification> RevokedWithinBoundAsync(this VerifierHarness verifier, string token, string tool = "tickets.read") =>
        await Eventually.ResultAsync(
            () => verifier.Verifier.ValidateAsync(token, tool),
            r => r.Failure == TokenFailure.Revoked,
            StalenessBound,
            "the verifier to refuse the token as revoked");
}
