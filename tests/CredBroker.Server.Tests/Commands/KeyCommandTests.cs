using System.Text.Json;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Processes;

namespace CredBroker.Server.Tests;

/// <summary>
/// <c>credbroker-server keys rotate|list</c> beside a running broker sharing its key directory: the new key is
/// published without a restart and signs nothing until its publish lead has passed.
/// </summary>
public sealed class KeyCommandTests
{
    [Test]
    public async Task A_rotated_key_is_published_by_the_running_broker_but_does_not_sign_before_its_lead()
    {
        await using var broker = await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { ["CredBroker:Keys:ReloadInterval"] = "00:00:00.2" });
        string[] config = ["--CredBroker:Keys:KeyDirectory=" + Path.Combine(broker.Directory, "keys"), "--CredBroker:PolicyFile=" + Path.Combine(broker.Directory, "policy.yaml")];
        var before = await KidsAsync(broker);
        Assert.That(before, Has.Count.EqualTo(1));

        var rotate = await BrokerExecutable.RunAsync(["keys", "rotate", "-o", "json", .. config]);

        Assert.That(rotate.ExitCode, Is.Zero, rotate.ToString());
        using var rotated = JsonDocument.Parse(rotate.Stdout);
        var kid = rotated.RootElement.GetProperty("kid").GetString()!;
        Assert.That(rotated.RootElement.GetProperty("state").GetString(), Is.EqualTo("prepared"));

        // Published by the broker that did not write it, within its reload interval.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(await KidsAsync(broker)).Contains(kid))
        {
            await Task.Delay(100, timeout.Token);
        }

        var grant = await broker.Grants.RequestGrantAsync(
            new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { "tickets.read" } },
            broker.As(TestPolicy.Support));
        Assert.That(TokenParts.Parse(grant.Grant.AccessToken).Header.GetProperty("kid").GetString(), Is.EqualTo(before[0]), "the prepared key must not sign yet");

        var list = await BrokerExecutable.RunAsync(["keys", "list", "-o", "json", .. config]);
        Assert.That(list.ExitCode, Is.Zero, list.ToString());
        using var listed = JsonDocument.Parse(list.Stdout);
        var states = listed.RootElement.EnumerateArray().ToDictionary(k => k.GetProperty("kid").GetString()!, k => k.GetProperty("state").GetString());
        Assert.That(states, Is.EquivalentTo(new Dictionary<string, string?> { [before[0]] = "active", [kid] = "prepared" }));
    }

    [Test]
    public async Task Keys_list_prints_a_table_for_people()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-keys-").FullName;
        try
        {
            var run = await BrokerExecutable.RunAsync("keys", "list", "--dev", "--CredBroker:Keys:KeyDirectory=" + directory);

            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines[0], Does.Match(@"^KID\s+STATE\s+CREATED_AT$"));
            Assert.That(lines, Has.Length.EqualTo(2), "the first key is created on first use");
            Assert.That(lines[1], Does.Match(@"^\S{43}\s+active\s+\d{4}-\d\d-\d\dT"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<List<string>> KidsAsync(BrokerFixture broker)
    {
        using var jwks = JsonDocument.Parse(await broker.Http.GetStringAsync(new Uri("/.well-known/jwks.json", UriKind.Relative)));
        return [.. jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }
}
