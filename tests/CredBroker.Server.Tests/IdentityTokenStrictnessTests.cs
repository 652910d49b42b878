using System.Text;
using System.Text.Json.Nodes;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;
using CredBroker.Testing.Identity;
using Grpc.Core;

namespace CredBroker.Server.Tests;

/// <summary>
/// Identity tokens are read as strictly as access tokens: one JWS reader refuses duplicate members,
/// non-canonical encodings and NumericDates that are not whole seconds; <c>iat</c> may not lie in the
/// future, and no identity token may live longer than <c>CredBroker:Identity:MaxTokenLifetime</c> (default 1d).
/// </summary>
public sealed class IdentityTokenStrictnessTests
{
    private BrokerFixture broker = null!;
    private TestIdentityIssuer spire = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        spire = new TestIdentityIssuer("https://spire.test.local");
        var directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        await spire.WriteJwksAsync(Path.Combine(directory, "spire.jwks"));
        broker = await BrokerFixture.StartAsync(directory: directory, settings: new Dictionary<string, string?>
        {
            ["CredBroker:Identity:Issuers:0:Issuer"] = spire.Name,
            ["CredBroker:Identity:Issuers:0:JwksFile"] = Path.Combine(directory, "spire.jwks"),
            ["CredBroker:Identity:Issuers:0:TrustDomains:0"] = "test.local",
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await broker.DisposeAsync();
        spire.Dispose();
    }

    public static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData Case(string name, string reason, Func<IdentityTokenStrictnessTests, string> make) => new TestCaseData(make, reason).SetName("Refused_" + name);

        yield return Case("duplicate_sub_claim", "names 'sub' more than once", t => t.Signed(
            $$"""{"iss":"{{t.spire.Name}}","sub":"{{TestPolicy.Coder}}","aud":"credbroker","iat":{{Now}},"exp":{{Now + 300}},"sub":"{{TestPolicy.Support}}"}"""));
        yield return Case("duplicate_alg_header", "names 'alg' more than once", t => t.Signed(
            t.Claims(), $$"""{"alg":"none","kid":"{{t.spire.Current.Kid}}","typ":"JWT","alg":"ES256"}"""));
        yield return Case("fractional_exp", "NumericDate", t => t.Signed(t.Claims().Replace($"\"exp\":{Now + 300}", $"\"exp\":{Now + 300}.5", StringComparison.Ordinal)));
        yield return Case("exp_written_as_a_string", "NumericDate", t => t.Signed(t.Claims().Replace($"\"exp\":{Now + 300}", $"\"exp\":\"{Now + 300}\"", StringComparison.Ordinal)));
        yield return Case("exp_with_an_exponent", "NumericDate", t => t.Signed(t.Claims().Replace($"\"exp\":{Now + 300}", "\"exp\":9.9e9", StringComparison.Ordinal)));
        yield return Case("fractional_iat", "NumericDate", t => t.Signed(t.Claims().Replace($"\"iat\":{Now}", $"\"iat\":{Now}.25", StringComparison.Ordinal)));
        yield return Case("iat_ten_minutes_ahead", "issued in the future", t => t.spire.Token(TestPolicy.Support, claims: c => c["iat"] = Now + 600));
        yield return Case("lifetime_of_25_hours", "longer than the 1d this broker accepts", t => t.spire.Token(TestPolicy.Support, lifetime: TimeSpan.FromHours(25)));
        yield return Case("lifetime_of_a_year_without_iat", "longer than the 1d this broker accepts", t => t.spire.Token(TestPolicy.Support, lifetime: TimeSpan.FromDays(365), claims: c => c.Remove("iat")));
        yield return Case("padded_base64url", "not canonical base64url", t => t.Padded());
    }

    [TestCaseSource(nameof(Refusals))]
    public async Task Loosely_formed_identity_token_is_UNAUTHENTICATED(Func<IdentityTokenStrictnessTests, string> make, string reason)
    {
        var error = Assert.ThrowsAsync<RpcException>(async () => await broker.Grants.RequestGrantAsync(Request(), BrokerFixture.Bearer(make(this))));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.Contain(reason));
    }

    [Test]
    public async Task Identity_token_inside_the_lifetime_ceiling_and_skew_is_accepted()
    {
        var dayLong = spire.Token(TestPolicy.Support, lifetime: TimeSpan.FromHours(23));
        Assert.That((await broker.Grants.RequestGrantAsync(Request(), BrokerFixture.Bearer(dayLong))).Grant, Is.Not.Null);

        var iatWithinSkew = spire.Token(TestPolicy.Support, claims: c => c["iat"] = Now + 10);
        Assert.That((await broker.Grants.RequestGrantAsync(Request(), BrokerFixture.Bearer(iatWithinSkew))).Grant, Is.Not.Null);
    }

    [Test]
    public async Task MaxTokenLifetime_is_configurable()
    {
        var directory = Directory.CreateTempSubdirectory("credbroker-test-").FullName;
        await spire.WriteJwksAsync(Path.Combine(directory, "spire.jwks"));
        await using var strict = await BrokerFixture.StartAsync(directory: directory, settings: new Dictionary<string, string?>
        {
            ["CredBroker:Identity:Issuers:0:Issuer"] = spire.Name,
            ["CredBroker:Identity:Issuers:0:JwksFile"] = Path.Combine(directory, "spire.jwks"),
            ["CredBroker:Identity:Issuers:0:TrustDomains:0"] = "test.local",
            ["CredBroker:Identity:MaxTokenLifetime"] = "00:10:00",
        });

        Assert.That((await strict.Grants.RequestGrantAsync(Request(), BrokerFixture.Bearer(spire.Token(TestPolicy.Support, lifetime: TimeSpan.FromMinutes(10))))).Grant, Is.Not.Null);
        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await strict.Grants.RequestGrantAsync(Request(), BrokerFixture.Bearer(spire.Token(TestPolicy.Support, lifetime: TimeSpan.FromMinutes(30)))));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That(error.Status.Detail, Does.Contain("longer than the 10m this broker accepts (CredBroker:Identity:MaxTokenLifetime)"));
    }

    [TestCase("CredBroker:Identity:MaxTokenLifetime", "00:00:00")]
    [TestCase("CredBroker:Identity:MaxTokenLifetime", "365.00:00:00")]
    [TestCase("CredBroker:Identity:CacheMaxAge", "01:00:00")]
    public void An_identity_limit_out_of_range_stops_the_broker_at_start_naming_it(string setting, string value)
    {
        var error = Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
            await BrokerFixture.StartAsync(settings: new Dictionary<string, string?> { [setting] = value }));
        Assert.That(error!.Message, Does.Contain(setting));
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static RequestGrantRequest Request() => new() { TaskId = BrokerFixture.NewTaskId(), Purpose = "read a ticket", Tools = { "tickets.read" } };

    private string Claims() =>
        $$"""{"iss":"{{spire.Name}}","sub":"{{TestPolicy.Support}}","aud":"credbroker","iat":{{Now}},"exp":{{Now + 300}}}""";

    /// <summary>Signs raw JSON with the issuer's current key, so the JSON can say what a JsonObject cannot (a name twice, 1.5).</summary>
    private string Signed(string claims, string? header = null)
    {
        header ??= $$"""{"alg":"ES256","kid":"{{spire.Current.Kid}}","typ":"JWT"}""";
        var input = TokenParts.Encode(header) + "." + TokenParts.Encode(claims);
        return input + "." + TokenParts.Encode(spire.Current.Sign(Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>A genuinely signed token whose claims segment carries base64 padding, signed as padded.</summary>
    private string Padded()
    {
        var claims = Claims() + new string(' ', (3 - (Encoding.UTF8.GetByteCount(Claims()) % 3)) % 3 + 1);
        var header = TokenParts.Encode($$"""{"alg":"ES256","kid":"{{spire.Current.Kid}}","typ":"JWT"}""");
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(claims)).Replace('+', '-').Replace('/', '_');
        Assert.That(payload, Does.EndWith("="), "the test needs a payload whose base64 is padded");
        var input = header + "." + payload;
        return input + "." + TokenParts.Encode(spire.Current.Sign(Encoding.ASCII.GetBytes(input)));
    }
}
