using CredBroker.Testing.Broker;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Client.Tests;

/// <summary>Builds clients aimed at a test broker, and counts what the broker really issued.</summary>
internal static class ClientBroker
{
    public static CredBrokerClient For(BrokerFixture broker, string spiffeId, TimeProvider? time = null) =>
        CredBrokerClient.Create(new CredBrokerClientOptions { Address = broker.Address, IdentityToken = broker.IdentityToken(spiffeId) }, time);

    public static CredBrokerClient For(BrokerFixture broker, Func<CancellationToken, ValueTask<string>> identity, TimeProvider? time = null) =>
        CredBrokerClient.Create(new CredBrokerClientOptions { Address = broker.Address, IdentityTokenProvider = identity }, time);

    /// <summary>A fake clock that starts at the real now, so deadlines and the broker's clock still agree.</summary>
    public static FakeTimeProvider Clock() => new(DateTimeOffset.UtcNow);

    /// <summary>Grants the broker issued for a task, read from its log (event 1001), not from the client under test.</summary>
    public static int IssuedFor(BrokerFixture broker, string taskId) =>
        broker.Logs.Entries.Count(e => e.Message.StartsWith("Issued grant", StringComparison.Ordinal) && e.Message.Contains($"for task {taskId},", StringComparison.Ordinal));

    /// <summary>Introspects as a tool server would, through a client of its own.</summary>
    public static async Task<TokenIntrospection> IntrospectAsync(BrokerFixture broker, string token)
    {
        using var tool = For(broker, TestPolicy.Tool);
        return await tool.IntrospectAsync(token);
    }

    public static GrantRequest Tickets(string taskId, TimeSpan? ttl = null, params string[] tools) =>
        new(taskId, "answer the customer", tools.Length == 0 ? ["tickets.read"] : tools) { Ttl = ttl };
}
