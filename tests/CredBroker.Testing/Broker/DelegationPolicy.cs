using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Testing.Broker;

/// <summary>A policy where an agent may hand work to sub-agents, and the calls delegation tests make.</summary>
public static class DelegationPolicy
{
    public const string A = "spiffe://test.local/agents/a";
    public const string B = "spiffe://test.local/subagents/b";
    public const string C = "spiffe://test.local/subagents/c";
    public const string D = "spiffe://test.local/subagents/d";
    public const string Loner = "spiffe://test.local/agents/loner";

    /// <summary>Depth 2: A to B to C is allowed, C to D is one hop too many.</summary>
    public const string Yaml = """
        version: 1
        limits: { maxTtl: 10m, defaultTtl: 2m, maxToolsPerGrant: 4, maxDelegationDepth: 2 }
        tools:
          - { name: crm.read, audience: https://tickets.test }
          - { name: crm.write, audience: https://tickets.test }
          - { name: crm.delete, audience: https://tickets.test }
          - { name: crm.export, audience: https://tickets.test, delegable: false }
          - { name: tickets.read, audience: https://tickets.test }
        audiences:
          https://tickets.test: { servers: [spiffe://test.local/tools/tickets] }
        workloads:
          - name: agent-a
            id: spiffe://test.local/agents/a
            owner: team-a
            tools: [crm.*]
            delegates: [spiffe://test.local/subagents/*]
          - name: loner
            id: spiffe://test.local/agents/loner
            owner: team-x
            tools: [crm.read]
          - name: subagents
            id: spiffe://test.local/subagents/*
            owner: team-a
            tools: [crm.read, crm.write, crm.export]
            delegates: [spiffe://test.local/subagents/*]
        anomalies:
          - { name: stolen-token, signal: workloadMismatch, threshold: 1, window: 1h, action: revokeTool }
        roles:
          orchestrator: [spiffe://test.local/orchestrator]
          operator: [spiffe://test.local/operator]
          approver: [spiffe://test.local/approver]
          tool: [spiffe://test.local/tools/*]
        """;

    /// <summary>A's root grant: crm.read and crm.write for a new task.</summary>
    public static async Task<Grant> RootAsync(this BrokerFixture broker, string? taskId = null, params string[] tools) =>
        (await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = taskId ?? BrokerFixture.NewTaskId(), Purpose = "work the account", Tools = { tools.Length > 0 ? tools : ["crm.read", "crm.write"] } },
            broker.As(A))).Grant;

    public static async Task<ExchangeGrantResponse> ExchangeAsync(this BrokerFixture broker, string parentToken, string caller, string tool = "crm.read", TimeSpan? ttl = null, string taskId = "") =>
        await broker.Grants.ExchangeGrantAsync(
            new ExchangeGrantRequest
            {
                SubjectToken = parentToken,
                Tools = { tool },
                Purpose = "read the account",
                Ttl = ttl is { } t ? Duration.FromTimeSpan(t) : null,
                TaskId = taskId,
            },
            broker.As(caller));
}
