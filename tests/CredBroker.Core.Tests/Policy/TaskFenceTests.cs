using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using CredBroker.Core.Tasks;

namespace CredBroker.Core.Tests.Policy;

/// <summary>Task envelopes: a grant must fit its task's workload, tool envelope and deadline.</summary>
public sealed class TaskFenceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static GrantDraft Draft(string workload = "spiffe://e.org/a", params string[] tools) =>
        new(GrantIds.New(), "t-1", workload, "o", "p", tools.Length == 0 ? ["tickets.read"] : tools, "https://t", TimeSpan.FromMinutes(5), null);

    private static TaskRecord Opened(DateTimeOffset? deadline = null) =>
        new("t-1", "spiffe://e.org/a", "alice", "p", ["tickets.read", "tickets.write"], Opened: true, Now, deadline ?? Now.AddMinutes(30));

    [Test]
    public void A_grant_inside_the_envelope_before_the_deadline_fits() =>
        Assert.That(TaskFence.Check(Opened(), Draft(tools: ["tickets.read", "tickets.write"]), Now), Is.Null);

    [Test]
    public void Another_workload_is_refused() =>
        Assert.That(TaskFence.Check(Opened(), Draft("spiffe://e.org/b"), Now), Is.EqualTo(new GrantInsertResult.TaskOwnedByOther("spiffe://e.org/a")));

    [Test]
    public void A_tool_outside_the_envelope_is_refused() =>
        Assert.That(TaskFence.Check(Opened(), Draft(tools: ["tickets.read", "tickets.admin"]), Now), Is.EqualTo(new GrantInsertResult.OutsideEnvelope("tickets.admin")));

    [Test]
    public void A_deadline_in_the_current_second_leaves_no_lifetime() =>
        Assert.That(TaskFence.Check(Opened(Now.AddMilliseconds(900)), Draft(), Now.AddMilliseconds(100)), Is.TypeOf<GrantInsertResult.TaskExpired>());

    [Test]
    public void A_claimed_task_has_no_envelope_but_keeps_its_workload()
    {
        var claimed = new TaskRecord("t-1", "spiffe://e.org/a", "o", "p", [], Opened: false, Now, null);

        Assert.That(TaskFence.Check(claimed, Draft(tools: ["anything.at.all"]), Now), Is.Null);
        Assert.That(TaskFence.Check(claimed, Draft("spiffe://e.org/b"), Now), Is.TypeOf<GrantInsertResult.TaskOwnedByOther>());
    }
}
