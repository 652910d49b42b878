namespace CredBroker.Server.Tests;

/// <summary>A policy with approval gates and context conditions, and the identities it names.</summary>
internal static class ApprovalPolicy
{
    public const string DataAgent = "spiffe://test.local/agents/data";
    public const string SelfApprover = "spiffe://test.local/agents/both";
    public const string Approver = "spiffe://test.local/approver";
    public const string Operator = "spiffe://test.local/operator";

    public const string Yaml = """
        version: 1
        limits: { maxTtl: 10m, defaultTtl: 2m, approvalTtl: 5m }
        tools:
          - { name: db.read, audience: https://db.test }
          - { name: db.drop, audience: https://db.test, risk: critical }
          - name: db.write
            audience: https://db.test
            conditions:
              - { name: writes-only-in-staging, context: environment, in: [staging] }
        workloads:
          - name: data-agent
            id: spiffe://test.local/agents/data
            owner: team-data
            tools: [db.*]
            purposes: ["nightly *"]
          - { name: self-approver, id: spiffe://test.local/agents/both, owner: team-x, tools: [db.*] }
        roles:
          approver: [spiffe://test.local/approver, spiffe://test.local/agents/both]
          operator: [spiffe://test.local/operator]
          allowMultiple: [spiffe://test.local/agents/both]
        """;
}
