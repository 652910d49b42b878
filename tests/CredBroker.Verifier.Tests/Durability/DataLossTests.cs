using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using Microsoft.Extensions.Logging;

namespace CredBroker.Verifier.Tests.Durability;

/// <summary>
/// Invariant 3 when Redis already lost data: keys evicted, or a dataset restored from an older copy
/// (which still holds a generation marker). Either starts a new generation: every earlier token is dead.
/// </summary>
[TestFixture]
public sealed class DataLossTests : RedisFaultFixture
{
    [Test]
    public async Task Keys_evicted_between_checks_start_a_new_generation()
    {
        await using var broker = await StartBrokerAsync();
        await using var verifier = await VerifierHarness.StartAsync(broker);
        var earlier = await GrantAsync(broker);

        // Evict for real: a memory limit just above what is used, an evicting policy, and junk to push past it.
        var used = await AdminAsync(async (server, _) => long.Parse((await server.InfoAsync("memory")).SelectMany(g => g).First(p => p.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture));
        await ConfigSetAsync("maxmemory", (used + (2 << 20)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await ConfigSetAsync("maxmemory-policy", "allkeys-lru");
        await AdminAsync(async (_, db) =>
        {
            var junk = new string('x', 16 * 1024);
            await Task.WhenAll(Enumerable.Range(0, 256).Select(i => db.StringSetAsync($"junk:{i}", junk)));
            return true;
        });
        await ConfigSetAsync("maxmemory-policy", "noeviction");
        await ConfigSetAsync("maxmemory", "0");
        var evicted = await AdminAsync(async (server, _) => (await server.InfoAsync("stats")).SelectMany(g => g).First(p => p.Key == "evicted_keys").Value);
        Assert.That(evicted, Is.Not.EqualTo("0"), "the test must make Redis evict");

        await RefusedByVerifierAsync(verifier, earlier.AccessToken);
        Assert.That((await broker.IntrospectAsync(earlier.AccessToken)).Active, Is.False);
        await Verifier.Tests.Eventually.TrueAsync(
            () => Task.FromResult(broker.Logs.Entries.Any(e => e.Level == LogLevel.Critical && e.Message.Contains("evicted_keys", StringComparison.Ordinal))),
            Within,
            "a critical line naming evicted_keys");
        var after = await ServedAgainAsync(broker);
        Assert.That((await verifier.Verifier.ValidateAsync(after.AccessToken, "tickets.read")).IsValid, Is.True, "tokens after the new generation live");
    }

    [Test]
    public async Task A_store_restored_from_an_older_copy_of_its_AOF_starts_a_new_generation()
    {
        await using var broker = await StartBrokerAsync();
        await using var verifier = await VerifierHarness.StartAsync(broker);
        var earlier = await GrantAsync(broker);
        var copy = Directory.CreateTempSubdirectory("credbroker-aof-copy-").FullName;
        try
        {
            CopyDirectory(Redis.DataDirectory, copy);

            // 50 revocations the older copy does not hold.
            var revoked = new List<Grant>();
            for (var i = 0; i < 50; i++)
            {
                var grant = await GrantAsync(broker);
                await broker.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = grant.TaskId }, broker.As(TestPolicy.Orchestrator));
                revoked.Add(grant);
            }

            await Redis.StopAsync();
            Directory.Delete(Redis.DataDirectory, recursive: true);
            CopyDirectory(copy, Redis.DataDirectory);
            await Redis.StartAsync();

            foreach (var grant in revoked.Prepend(earlier))
            {
                await RefusedByVerifierAsync(verifier, grant.AccessToken);
            }

            Assert.That((await broker.IntrospectAsync(revoked[^1].AccessToken)).Active, Is.False, "the revocation lost with the newer AOF is covered");
            Assert.That(broker.Logs.Entries.Where(e => e.Level == LogLevel.Critical).Select(e => e.Message), Has.Some.Contains("went back in time"));
            var after = await ServedAgainAsync(broker);
            Assert.That((await verifier.Verifier.ValidateAsync(after.AccessToken, "tickets.read")).IsValid, Is.True);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
