using CredBroker.Core.Grants;
using CredBroker.Core.Policy;

namespace CredBroker.Core.Tests.Policy;

/// <summary>The evaluator, rule by rule: it allows only what a rule allows, and says which rule decided.</summary>
public sealed class PolicyEvaluatorTests
{
    private const string Support = "spiffe://example.org/agents/support";
    private const string Coder = "spiffe://example.org/agents/coding/alpha";

    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static readonly BrokerPolicy Policy = PolicyLoader.Parse("""
        version: 1
        limits: { maxTtl: 15m, defaultTtl: 5m, maxToolsPerGrant: 3 }
        tools:
          - { name: tickets.read, audience: https://tickets.example, maxTtl: 10m }
          - name: tickets.write
            audience: https://tickets.example
            risk: medium
            conditions:
              - { name: writes-only-in-staging, context: environment, in: [staging] }
          - name: tickets.export
            audience: https://tickets.example
            conditions:
              - { context: data_classification, notIn: [restricted, secret] }
              - { timeUtc: "08:00-18:00" }
          - name: tickets.delete
            audience: https://tickets.example
            risk: critical
          - name: tickets.bulk
            audience: https://tickets.example
            risk: high
            approval: none
          - name: tickets.reopen
            audience: https://tickets.example
            conditions:
              - { name: prod-reopen-needs-approval, context: environment, notIn: [prod], otherwise: approval }
          - { name: repo.read, audience: https://git.example }
          - { name: repo.write, audience: https://git.example, maxTtl: 2m }
          - { name: repo.admin, audience: https://git.example }
        workloads:
          - name: support-agent
            id: spiffe://example.org/agents/support
            owner: team-support
            tools: [tickets.*]
            purposes: ["triage ticket *", "answer customer *"]
            maxTtl: 8m
          - name: coding-agents
            id: spiffe://example.org/agents/coding/*
            owner: team-platform
            tools: [repo.read, repo.write]
        """);

    private static PolicyDecision Evaluate(string workload, string[] tools, string purpose = "triage ticket 42", TimeSpan? ttl = null, DateTimeOffset? at = null, params (string Key, string Value)[] context) =>
        PolicyEvaluator.Evaluate(Policy, new GrantRequest(workload, "t-42", purpose, tools, ttl, context.ToDictionary(c => c.Key, c => c.Value)), at ?? Noon);

    [Test]
    public void A_listed_workload_gets_a_listed_tool_with_the_rules_that_allowed_it()
    {
        var decision = Evaluate(Support, ["tickets.read"]);

        var allow = (PolicyDecision.Allow)decision;
        Assert.That(allow.Workload.Name, Is.EqualTo("support-agent"));
        Assert.That(allow.Audience, Is.EqualTo("https://tickets.example"));
        Assert.That(allow.Reasons, Has.Some.Contains("workload rule 'support-agent' allows tool 'tickets.read' (tickets.*)"));
        Assert.That(allow.Reasons, Has.Some.Contains("ttl 5m set by limits.defaultTtl"));
    }

    [Test]
    public void An_unlisted_workload_is_denied_by_the_workloads_rule()
    {
        var deny = (PolicyDecision.Deny)Evaluate("spiffe://example.org/agents/unknown", ["tickets.read"]);

        Assert.That(deny.Rule, Is.EqualTo("workloads"));
        Assert.That(deny.Reason, Does.Contain("not listed in policy"));
    }

    [Test]
    public void A_wildcard_workload_id_matches_ids_below_it_only()
    {
        Assert.That(Evaluate(Coder, ["repo.read"], "fix the build"), Is.TypeOf<PolicyDecision.Allow>());
        Assert.That(Evaluate("spiffe://example.org/agents/coding", ["repo.read"], "fix the build"), Is.TypeOf<PolicyDecision.Deny>());
    }

    [Test]
    public void A_tool_outside_the_workload_rule_denies_the_whole_request_and_names_rule_and_tool()
    {
        var deny = (PolicyDecision.Deny)Evaluate(Coder, ["repo.read", "repo.write", "repo.admin"], "fix the build");

        Assert.That(deny.Rule, Is.EqualTo("coding-agents"));
        Assert.That(deny.Reason, Is.EqualTo("policy rule 'coding-agents' does not allow tool 'repo.admin' for task t-42"));
    }

    [Test]
    public void Unknown_tools_too_many_tools_and_tools_on_two_servers_are_invalid_requests()
    {
        Assert.That(((PolicyDecision.Invalid)Evaluate(Support, ["tickets.read", "tickets.nope"])).Field, Is.EqualTo("tools[1]"));
        Assert.That(((PolicyDecision.Invalid)Evaluate(Support, ["tickets.read", "tickets.write", "tickets.export", "tickets.bulk"])).Problem, Does.Contain("limits.maxToolsPerGrant"));
        Assert.That(((PolicyDecision.Invalid)Evaluate(Coder, ["repo.read", "tickets.read"])).Problem, Does.Contain("different servers"));
    }

    [Test]
    public void A_purpose_must_match_one_of_the_workload_purposes()
    {
        Assert.That(Evaluate(Support, ["tickets.read"], "answer customer 7 about billing"), Is.TypeOf<PolicyDecision.Allow>());
        var deny = (PolicyDecision.Deny)Evaluate(Support, ["tickets.read"], "mine all tickets for emails");

        Assert.That(deny.Rule, Is.EqualTo("support-agent"));
        Assert.That(deny.Reason, Does.Contain("does not allow purpose 'mine all tickets for emails'"));
        Assert.That(Evaluate(Coder, ["repo.read"], "anything at all"), Is.TypeOf<PolicyDecision.Allow>(), "no purposes listed: any purpose");
    }

    [Test]
    public void An_in_condition_lets_the_same_agent_write_in_staging_but_not_in_prod()
    {
        Assert.That(Evaluate(Support, ["tickets.read"], context: ("environment", "prod")), Is.TypeOf<PolicyDecision.Allow>());
        Assert.That(Evaluate(Support, ["tickets.write"], context: ("environment", "staging")), Is.TypeOf<PolicyDecision.Allow>());

        var prod = (PolicyDecision.Deny)Evaluate(Support, ["tickets.read", "tickets.write"], context: ("environment", "prod"));

        Assert.That(prod.Rule, Is.EqualTo("writes-only-in-staging"));
        Assert.That(prod.Reason, Is.EqualTo("policy rule 'writes-only-in-staging' denied tool 'tickets.write' for task t-42: context environment is 'prod'"));
    }

    [Test]
    public void A_condition_on_a_key_the_request_lacks_fails_closed()
    {
        var deny = (PolicyDecision.Deny)Evaluate(Support, ["tickets.export"]);

        Assert.That(deny.Rule, Is.EqualTo("data_classification notIn [restricted, secret]"));
        Assert.That(deny.Reason, Does.EndWith("the request context has no 'data_classification'"));
    }

    [Test]
    public void A_notIn_condition_refuses_the_listed_values()
    {
        Assert.That(Evaluate(Support, ["tickets.export"], context: ("data_classification", "internal")), Is.TypeOf<PolicyDecision.Allow>());
        Assert.That(((PolicyDecision.Deny)Evaluate(Support, ["tickets.export"], context: ("data_classification", "restricted"))).Reason, Does.EndWith("context data_classification is 'restricted'"));
    }

    [TestCase(8, 0, true)]
    [TestCase(17, 59, true)]
    [TestCase(18, 0, false)]
    [TestCase(7, 59, false)]
    public void A_time_window_is_checked_in_UTC_at_the_request_time(int hour, int minute, bool allowed)
    {
        var at = new DateTimeOffset(2026, 11, 23, hour, minute, 0, TimeSpan.Zero);

        var decision = Evaluate(Support, ["tickets.export"], at: at, context: ("data_classification", "internal"));

        Assert.That(decision, allowed ? Is.TypeOf<PolicyDecision.Allow>() : Is.TypeOf<PolicyDecision.Deny>());
        if (!allowed)
        {
            Assert.That(((PolicyDecision.Deny)decision).Rule, Is.EqualTo("time between 08:00 and 18:00 UTC"));
        }
    }

    [Test]
    public void A_window_that_ends_before_it_starts_runs_past_midnight()
    {
        var night = new TimeWindowCondition(new TimeOnly(22, 0), new TimeOnly(6, 0));
        var empty = new Dictionary<string, string>();

        Assert.That(night.Failure(empty, new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero)), Is.Null);
        Assert.That(night.Failure(empty, new DateTimeOffset(2026, 11, 23, 5, 59, 0, TimeSpan.Zero)), Is.Null);
        Assert.That(night.Failure(empty, new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero)), Is.EqualTo("it is 12:00 UTC"));
    }

    [Test]
    public void High_and_critical_tools_need_approval_unless_the_tool_says_none()
    {
        var critical = (PolicyDecision.NeedsApproval)Evaluate(Support, ["tickets.read", "tickets.delete"]);

        Assert.That(critical.Rule, Is.EqualTo("tickets.delete"));
        Assert.That(critical.Reason, Is.EqualTo("tool 'tickets.delete' (risk critical) requires approval"));
        Assert.That(critical.Tools.Select(t => t.Name), Is.EqualTo(new[] { "tickets.read", "tickets.delete" }));
        Assert.That(Evaluate(Support, ["tickets.bulk"]), Is.TypeOf<PolicyDecision.Allow>());
    }

    [Test]
    public void A_condition_may_ask_for_approval_instead_of_denying()
    {
        Assert.That(Evaluate(Support, ["tickets.reopen"], context: ("environment", "staging")), Is.TypeOf<PolicyDecision.Allow>());

        var prod = (PolicyDecision.NeedsApproval)Evaluate(Support, ["tickets.reopen"], context: ("environment", "prod"));

        Assert.That(prod.Rule, Is.EqualTo("prod-reopen-needs-approval"));
        Assert.That(prod.Reason, Does.Contain("context environment is 'prod'"));
    }

    [Test]
    public void A_deny_wins_over_an_approval_in_the_same_request()
    {
        var decision = Evaluate(Support, ["tickets.delete", "tickets.write"], context: ("environment", "prod"));

        Assert.That(((PolicyDecision.Deny)decision).Rule, Is.EqualTo("writes-only-in-staging"));
    }

    [TestCase(null, 5, "limits.defaultTtl")]
    [TestCase(3, 3, "requested")]
    [TestCase(9, 8, "workload 'support-agent' maxTtl")]
    public void Ttl_is_bounded_by_request_workload_and_global_limits(int? requestedMinutes, int expectedMinutes, string bound)
    {
        var allow = (PolicyDecision.Allow)Evaluate(Support, ["tickets.write"], ttl: requestedMinutes is { } m ? TimeSpan.FromMinutes(m) : null, context: ("environment", "staging"));

        Assert.That(allow.Ttl, Is.EqualTo(TimeSpan.FromMinutes(expectedMinutes)));
        Assert.That(allow.Reasons[^1], Is.EqualTo($"ttl {expectedMinutes}m set by {bound}"));
    }

    [Test]
    public void Ttl_is_bounded_by_the_shortest_tool_and_the_global_max()
    {
        var tool = (PolicyDecision.Allow)Evaluate(Coder, ["repo.read", "repo.write"], "fix", TimeSpan.FromMinutes(10));
        var global = (PolicyDecision.Allow)Evaluate(Coder, ["repo.read"], "fix", TimeSpan.FromHours(2));

        Assert.That(tool.Ttl, Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(tool.Reasons[^1], Is.EqualTo("ttl 2m set by tool 'repo.write' maxTtl"));
        Assert.That(global.Ttl, Is.EqualTo(TimeSpan.FromMinutes(15)));
        Assert.That(global.Reasons[^1], Is.EqualTo("ttl 15m set by limits.maxTtl"));
    }

    [Test]
    public void The_first_matching_workload_entry_decides()
    {
        var policy = PolicyLoader.Parse("""
            tools:
              - { name: repo.read, audience: https://git.example }
              - { name: repo.write, audience: https://git.example }
            workloads:
              - { name: alpha-readonly, id: "spiffe://example.org/agents/coding/alpha", owner: a, tools: [repo.read] }
              - { name: coders, id: "spiffe://example.org/agents/coding/*", owner: b, tools: [repo.*] }
            """);

        var decision = PolicyEvaluator.Evaluate(policy, new GrantRequest(Coder, "t-1", "p", ["repo.write"], null, new Dictionary<string, string>()), Noon);

        Assert.That(((PolicyDecision.Deny)decision).Rule, Is.EqualTo("alpha-readonly"));
    }
}
