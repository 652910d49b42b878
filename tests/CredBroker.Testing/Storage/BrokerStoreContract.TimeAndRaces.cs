using CredBroker.Core.Grants;
using CredBroker.Core.Storage;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

public abstract partial class BrokerStoreContract
{
    [Test]
    public async Task Expired_grant_is_Unknown_and_can_be_neither_found_nor_revoked()
    {
        var grant = await InsertAsync(Draft(NewTaskId(), ttl: TimeSpan.FromSeconds(1)));

        await PassAsync(grant.ExpiresAt);

        Assert.That(await Store.GetGrantStatusAsync(grant.TaskId, grant.GrantId, default), Is.EqualTo(GrantStatus.Unknown));
        Assert.That(await Store.FindGrantAsync(grant.GrantId, default), Is.Null);
        Assert.That(await Store.RevokeGrantAsync(grant.GrantId, "too late", default), Is.Null);
    }

    [Test]
    public async Task RevokeTask_does_not_count_expired_grants()
    {
        var taskId = NewTaskId();
        var shortLived = await InsertAsync(Draft(taskId, ttl: TimeSpan.FromSeconds(1)));
        await InsertAsync(Draft(taskId, ttl: TimeSpan.FromMinutes(10)));
        await PassAsync(shortLived.ExpiresAt);

        var revocation = await Store.RevokeTaskAsync(taskId, "task finished", default);

        Assert.That(revocation.RevokedGrants, Is.EqualTo(1));
    }

    /// <summary>
    /// Invariant 2: inserts racing a task revocation either land before it (and are counted and revoked)
    /// or are refused; none started after RevokeTask returned can succeed.
    /// </summary>
    [Test]
    public async Task Inserts_racing_RevokeTask_are_all_counted_and_revoked_or_refused()
    {
        const int Inserts = 200;
        var spread = TimeSpan.FromMilliseconds(40);
        var taskId = NewTaskId();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var revokeReturned = 0;

        var inserts = Enumerable.Range(0, Inserts).Select(i => Task.Run(async () =>
        {
            await start.Task;
            // Inserts are spread over 40 ms while the revocation fires mid-way, so some land before it and some after.
            await Task.Delay(spread * i / Inserts);

            var startedAfterRevoke = Volatile.Read(ref revokeReturned) == 1;
            var result = await Store.InsertGrantAsync(Draft(taskId), requireOpenTask: false, default);
            return (startedAfterRevoke, result);
        })).ToArray();
        var revoke = Task.Run(async () =>
        {
            await start.Task;
            await Task.Delay(spread / 2);
            var result = await Store.RevokeTaskAsync(taskId, "race", default);
            Volatile.Write(ref revokeReturned, 1);
            return result;
        });

        start.SetResult();
        var revocation = await revoke;
        var results = await Task.WhenAll(inserts);
        var inserted = results.Select(r => r.result).OfType<GrantInsertResult.Inserted>().Select(r => r.Grant).ToList();
        var refused = results.Select(r => r.result).OfType<GrantInsertResult.TaskRevoked>().ToList();

        TestContext.Out.WriteLine($"{inserted.Count} inserts landed before the revocation, {refused.Count} were refused");
        Assert.That(revocation.AlreadyRevoked, Is.False);
        Assert.That(inserted.Count + refused.Count, Is.EqualTo(Inserts));
        Assert.That(revocation.RevokedGrants, Is.EqualTo(inserted.Count), "every grant inserted before the revocation is counted");
        Assert.That(results.Where(r => r.startedAfterRevoke).Select(r => r.result), Has.All.TypeOf<GrantInsertResult.TaskRevoked>());
        Assert.That(refused.Select(r => r.RevokedAt), Has.All.EqualTo(revocation.RevokedAt));
        foreach (var grant in inserted)
        {
            Assert.That(await Store.GetGrantStatusAsync(taskId, grant.GrantId, default), Is.EqualTo(new GrantStatus(GrantState.TaskRevoked, revocation.RevokedAt)));
        }

        Assert.That(await Store.InsertGrantAsync(Draft(taskId), requireOpenTask: false, default), Is.EqualTo(new GrantInsertResult.TaskRevoked(revocation.RevokedAt)));
    }
}
