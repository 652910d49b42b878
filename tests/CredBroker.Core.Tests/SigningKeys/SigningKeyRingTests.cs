using CredBroker.Core.SigningKeys;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CredBroker.Core.Tests.SigningKeys;

public sealed class SigningKeyRingTests
{
    private string directory = string.Empty;

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("credbroker-ring-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    /// <summary>
    /// A rotation within the second of the first start (an operator's script, a test) must not let the
    /// new key sign before its publish lead: verifiers have not seen it yet.
    /// </summary>
    [Test]
    public void Keys_rotated_within_the_first_keys_second_stay_prepared_in_every_replica()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 0, 100, TimeSpan.Zero));
        using var ring = Ring(time);
        var first = ring.Active.Kid;

        var rotated = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            rotated.Add(ring.Rotate().Kid);
        }

        using var replica = Ring(time);
        foreach (var view in new[] { ring, replica })
        {
            var states = view.Snapshot().ToDictionary(k => k.Key.Kid, k => k.State);
            Assert.That(view.Active.Kid, Is.EqualTo(first));
            Assert.That(rotated.Select(kid => states[kid]), Is.All.EqualTo(SigningKeyState.Prepared));
        }

        time.Advance(new SigningKeyOptions().PublishLead);
        Assert.That(replica.Active.Kid, Is.EqualTo(rotated[^1]), "after the lead the newest key signs");
    }

    [Test]
    public void A_key_file_named_to_the_second_is_still_read_with_its_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
        using (var ring = Ring(time))
        {
            var file = Directory.GetFiles(directory, "signing-*.pem").Single();
            var name = Path.GetFileName(file);
            File.Move(file, Path.Combine(directory, "signing-20261203T090000Z-" + name[^12..]));
        }

        using var reread = Ring(time);
        Assert.That(reread.Snapshot().Single().Key.CreatedAt, Is.EqualTo(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero)));
    }

    private SigningKeyRing Ring(TimeProvider time) =>
        new(Options.Create(new SigningKeyOptions { KeyDirectory = directory }), time, TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(30));
}
