using CredBroker.Core.Identity;
using NUnit.Framework;

namespace CredBroker.Testing.Storage;

/// <summary>
/// What every <see cref="IIdentityReplayGuard"/> must do (its XML doc): a token's <c>jti</c> counts once per
/// issuer until it is forgotten. Subclassed once per store (in-memory, Redis).
/// </summary>
public abstract class IdentityReplayGuardContract
{
    private const string Issuer = "https://issuer.example.org";

    protected IIdentityReplayGuard Guard { get; private set; } = null!;

    /// <summary>A guard with nothing remembered.</summary>
    protected abstract Task<IIdentityReplayGuard> CreateGuardAsync();

    /// <summary>The clock the guard reads (fake, or the system's).</summary>
    protected abstract DateTimeOffset Now { get; }

    /// <summary>Returns once the guard's clock is past <paramref name="instant"/>.</summary>
    protected abstract Task PassAsync(DateTimeOffset instant);

    [SetUp]
    public async Task CreateGuard() => Guard = await CreateGuardAsync();

    [Test]
    public async Task The_first_use_is_true_and_every_later_one_false()
    {
        var jti = NewJti();
        var forgetAfter = Now.AddMinutes(5);

        var first = await Guard.TryFirstUseAsync(Issuer, jti, forgetAfter, default);
        var second = await Guard.TryFirstUseAsync(Issuer, jti, forgetAfter, default);
        var third = await Guard.TryFirstUseAsync(Issuer, jti, forgetAfter.AddMinutes(5), default);

        Assert.That((first, second, third), Is.EqualTo((true, false, false)));
    }

    [Test]
    public async Task The_same_jti_from_another_issuer_is_another_token()
    {
        var jti = NewJti();

        var ours = await Guard.TryFirstUseAsync(Issuer, jti, Now.AddMinutes(5), default);
        var theirs = await Guard.TryFirstUseAsync("https://other.example.org", jti, Now.AddMinutes(5), default);

        Assert.That((ours, theirs), Is.EqualTo((true, true)));
    }

    [Test]
    public async Task Racing_uses_of_one_token_let_exactly_one_through()
    {
        var jti = NewJti();
        var forgetAfter = Now.AddMinutes(5);

        var uses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () => await Guard.TryFirstUseAsync(Issuer, jti, forgetAfter, default))));

        Assert.That(uses.Count(u => u), Is.EqualTo(1));
    }

    [Test]
    public async Task A_jti_is_forgotten_after_its_time_and_counts_as_new()
    {
        var jti = NewJti();
        var forgetAfter = Now.AddMilliseconds(500);
        Assert.That(await Guard.TryFirstUseAsync(Issuer, jti, forgetAfter, default), Is.True);

        await PassAsync(forgetAfter.AddMilliseconds(100));

        Assert.That(await Guard.TryFirstUseAsync(Issuer, jti, Now.AddMinutes(5), default), Is.True, "remembered only until forgetAfter");
    }

    [Test]
    public async Task A_token_already_past_its_window_is_never_a_first_use()
    {
        // Fail closed: the validator refuses such a token before asking, and a guard asked anyway must not admit it.
        Assert.That(await Guard.TryFirstUseAsync(Issuer, NewJti(), Now.AddSeconds(-1), default), Is.False);
    }

    private static string NewJti() => Guid.NewGuid().ToString("N");
}
