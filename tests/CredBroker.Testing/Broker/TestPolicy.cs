namespace CredBroker.Testing.Broker;

/// <summary>The policy integration tests run under, and the identities it names.</summary>
public static class TestPolicy
{
    public const string Support = "spiffe://test.local/agents/support";
    public const string Coder = "spiffe://test.local/agents/coding/alpha";
    public const string OtherCoder = "spiffe://test.local/agents/coding/beta";
    public const string Fenced = "spiffe://test.local/agents/fenced";
    public const string Stranger = "spiffe://test.local/agents/unlisted";
    public const string Orchestrator = "spiffe://test.local/orchestrator";
    public const string Operator = "spiffe://test.local/operator";
    public const string Approver = "spiffe://test.local/approver";
    public const string Tool = "spiffe://test.local/tools/tickets";

    public const string Yaml = """
        version: 1
        limits:
          maxTtl: 10m
          defaultTtl: 2m
          maxToolsPerGrant: 4
        tools:
          - name: tickets.read
            audience: https://tickets.test
            maxTtl: 5m
          - name: tickets.write
            audience: https://tickets.test
          - name: tickets.admin
            audience: https://tickets.test
          - name: repo.read
            audience: https://git.test
        # The one test tool identity hosts both test tool servers, so tests can check any token with it.
        audiences:
          https://tickets.test: { servers: [spiffe://test.local/tools/tickets] }
          https://git.test: { servers: [spiffe://test.local/tools/tickets] }
        workloads:
          - name: support-agent
            id: spiffe://test.local/agents/support
            owner: team-support
            tools: [tickets.read, tickets.write]
            maxTtl: 8m
          - name: fenced-agent
            id: spiffe://test.local/agents/fenced
            owner: team-risk
            tools: [tickets.read, tickets.write]
            requireOpenTask: true
          - name: coding-agents
            id: spiffe://test.local/agents/coding/*
            owner: team-platform
            tools: [repo.read, tickets.read]
        roles:
          orchestrator: [spiffe://test.local/orchestrator]
          operator: [spiffe://test.local/operator]
          approver: [spiffe://test.local/approver]
          tool: [spiffe://test.local/tools/*]
        """;
}
