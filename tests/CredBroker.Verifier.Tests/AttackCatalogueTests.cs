using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Testing.Broker;

namespace CredBroker.Verifier.Tests;

/// <summary>
/// The JWT attack catalogue of issue 5, each against a real broker's keys and a real verifier, each
/// refused with its own <see cref="TokenFailure"/>. Forged tokens are signed with the broker's real key
/// where the attack needs a valid signature, so the check under test is the one that stops them.
/// </summary>
public sealed class AttackCatalogueTests
{
    private BrokerFixture broker = null!;
    private VerifierHarness verifier = null!;
    private TokenForge forge = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        broker = await BrokerFixture.StartAsync();
        verifier = await VerifierHarness.StartAsync(broker);
        forge = TokenForge.OfBroker(broker);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await verifier.DisposeAsync();
        await broker.DisposeAsync();
    }

    private async Task<Grant> GrantAsync(string tool = "tickets.read", string workload = TestPolicy.Support) =>
        (await broker.Grants.RequestGrantAsync(new RequestGrantRequest { TaskId = BrokerFixture.NewTaskId(), Purpose = "p", Tools = { tool } }, broker.As(workload))).Grant;

    private async Task<TokenFailure?> RefusalAsync(string token, string tool = "tickets.read") =>
        (await verifier.Verifier.ValidateAsync(token, tool)).Failure;

    [Test]
    public async Task A_genuine_token_is_accepted_for_its_tool_and_its_forged_twin_is_too()
    {
        var grant = await GrantAsync();
        var forged = forge.Sign(forge.Header(), TokenForge.Claims());

        var result = await verifier.Verifier.ValidateAsync(grant.AccessToken, "tickets.read");

        Assert.That(result.IsValid, Is.True, result.Message);
        Assert.That(result.Claims!.JwtId, Is.EqualTo(grant.GrantId));
        Assert.That((await verifier.Verifier.ValidateAsync(forged, "tickets.read")).IsValid, Is.True, "the forge itself makes tokens the verifier accepts, so each refusal below is the attack's doing");
    }

    [Test]
    public async Task A_token_used_for_a_tool_outside_its_scope_is_refused() =>
        Assert.That(await RefusalAsync((await GrantAsync()).AccessToken, "tickets.write"), Is.EqualTo(TokenFailure.ToolNotInScope));

    [Test]
    public async Task Alg_none_is_refused()
    {
        var header = forge.Header();
        header["alg"] = "none";
        var token = TokenParts.Encode(header.ToJsonString()) + "." + TokenParts.Encode(TokenForge.Claims().ToJsonString()) + ".";

        Assert.That(await RefusalAsync(token), Is.EqualTo(TokenFailure.UnsupportedAlgorithm));
    }

    [Test]
    public async Task HS256_signed_with_the_broker_public_key_is_refused()
    {
        // Algorithm confusion: the attacker uses the published public key as an HMAC secret.
        var header = forge.Header();
        header["alg"] = "HS256";
        var input = TokenParts.Encode(header.ToJsonString()) + "." + TokenParts.Encode(TokenForge.Claims().ToJsonString());
        var secret = Encoding.ASCII.GetBytes(forge.Key.ExportSubjectPublicKeyInfoPem());
        var token = input + "." + TokenParts.Encode(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));

        Assert.That(await RefusalAsync(token), Is.EqualTo(TokenFailure.UnsupportedAlgorithm));
    }

    [Test]
    public async Task A_kid_not_in_the_JWKS_is_refused()
    {
        using var attacker = TokenForge.Attacker().Key;
        var forged = new TokenForge(attacker, "NotAKeyTheBrokerPublishes0123456789abcdefg");

        Assert.That(await RefusalAsync(forged.Sign(forged.Header(), TokenForge.Claims())), Is.EqualTo(TokenFailure.UnknownKey));
    }

    [TestCase("../../../../dev/null")]
    [TestCase("/etc/passwd")]
    [TestCase("kid' OR '1'='1")]
    [TestCase("")]
    public async Task A_kid_with_path_or_other_characters_is_refused(string kid)
    {
        var header = forge.Header();
        header["kid"] = kid;

        Assert.That(await RefusalAsync(forge.Sign(header, TokenForge.Claims())), Is.EqualTo(TokenFailure.InvalidKeyId));
    }

    [TestCase("jku")]
    [TestCase("x5u")]
    public async Task A_key_URL_header_is_never_fetched(string name)
    {
        using var listener = new CountingListener();
        var attacker = TokenForge.Attacker();
        var header = attacker.Header();
        header[name] = listener.Url("/jwks.json").ToString();
        var token = attacker.Sign(header, TokenForge.Claims());

        var refusal = await RefusalAsync(token);
        // The same header on a token the broker signed: still only the kid counts, and still nothing is fetched.
        var genuineHeader = forge.Header();
        genuineHeader[name] = listener.Url("/jwks.json").ToString();
        var withGenuineKey = await verifier.Verifier.ValidateAsync(forge.Sign(genuineHeader, TokenForge.Claims()), "tickets.read");

        Assert.That(refusal, Is.EqualTo(TokenFailure.UnknownKey));
        Assert.That(withGenuineKey.IsValid, Is.True, "the header is ignored, not a reason by itself");
        Assert.That(listener.Connections, Is.Zero, $"the {name} URL was contacted");
    }

    [Test]
    public async Task An_embedded_jwk_is_never_trusted()
    {
        var attacker = TokenForge.Attacker();
        var q = attacker.Key.ExportParameters(false).Q;
        var jwk = new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = TokenParts.Encode(q.X!), ["y"] = TokenParts.Encode(q.Y!) };
        var ownKid = attacker.Header();
        ownKid["jwk"] = jwk.DeepClone();
        var brokerKid = attacker.Header();
        brokerKid["kid"] = forge.Kid;
        brokerKid["jwk"] = jwk.DeepClone();

        Assert.That(await RefusalAsync(attacker.Sign(ownKid, TokenForge.Claims())), Is.EqualTo(TokenFailure.UnknownKey));
        Assert.That(await RefusalAsync(attacker.Sign(brokerKid, TokenForge.Claims())), Is.EqualTo(TokenFailure.BadSignature), "the broker's kid with the attacker's embedded key verifies against the broker's key only");
    }

    [Test]
    public async Task A_crit_header_is_refused()
    {
        var header = forge.Header();
        header["crit"] = new JsonArray("exp");

        Assert.That(await RefusalAsync(forge.Sign(header, TokenForge.Claims())), Is.EqualTo(TokenFailure.CritHeader));
    }

    [TestCase("JWT")]
    [TestCase("at+jwt2")]
    [TestCase(null)]
    public async Task A_wrong_or_missing_typ_is_refused(string? typ)
    {
        var header = forge.Header();
        header["typ"] = typ;
        if (typ is null)
        {
            header.Remove("typ");
        }

        Assert.That(await RefusalAsync(forge.Sign(header, TokenForge.Claims())), Is.EqualTo(TokenFailure.WrongType));
    }

    [Test]
    public async Task An_expired_token_is_refused_beyond_the_skew()
    {
        var claims = TokenForge.Claims(now: DateTimeOffset.UtcNow.AddMinutes(-3));
        claims["exp"] = DateTimeOffset.UtcNow.AddSeconds(-31).ToUnixTimeSeconds();

        Assert.That(await RefusalAsync(forge.Sign(forge.Header(), claims)), Is.EqualTo(TokenFailure.Expired));
    }

    [Test]
    public async Task A_token_whose_nbf_is_in_the_future_is_refused()
    {
        var claims = TokenForge.Claims();
        claims["nbf"] = DateTimeOffset.UtcNow.AddSeconds(90).ToUnixTimeSeconds();

        Assert.That(await RefusalAsync(forge.Sign(forge.Header(), claims)), Is.EqualTo(TokenFailure.NotYetValid));
    }

    [Test]
    public async Task A_token_whose_iat_is_in_the_future_is_refused_even_with_a_present_nbf()
    {
        // Rules cover tokens issued before their lift: a future iat would survive a lifted kill switch.
        var claims = TokenForge.Claims();
        claims["iat"] = DateTimeOffset.UtcNow.AddSeconds(90).ToUnixTimeSeconds();

        Assert.That(await RefusalAsync(forge.Sign(forge.Header(), claims)), Is.EqualTo(TokenFailure.NotYetValid));
    }

    [Test]
    public async Task A_token_of_another_issuer_is_refused() =>
        Assert.That(await RefusalAsync(forge.Sign(forge.Header(), TokenForge.Claims(issuer: "https://evil.test"))), Is.EqualTo(TokenFailure.WrongIssuer));

    [Test]
    public async Task A_genuine_token_for_another_audience_is_refused()
    {
        // Issued by the broker for the git server: it must not be replayable at the tickets server.
        var grant = await GrantAsync("repo.read", TestPolicy.Coder);

        Assert.That(await RefusalAsync(grant.AccessToken, "repo.read"), Is.EqualTo(TokenFailure.WrongAudience));
    }

    [Test]
    public async Task A_refusal_names_the_grant_only_when_the_broker_signed_the_token_for_this_server()
    {
        // RefusedClaims lets a tool server report a refusal against its grant; what did not verify names nothing.
        var revoked = await GrantAsync();
        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = revoked.GrantId }, broker.As(TestPolicy.Operator));
        var afterRevocation = await Eventually.ResultAsync(() => verifier.Verifier.ValidateAsync(revoked.AccessToken, "tickets.read"), r => r.Failure == TokenFailure.Revoked, TimeSpan.FromSeconds(10), "the revocation to reach the verifier");
        var outOfScope = await verifier.Verifier.ValidateAsync((await GrantAsync()).AccessToken, "tickets.write");
        var otherAudience = await verifier.Verifier.ValidateAsync((await GrantAsync("repo.read", TestPolicy.Coder)).AccessToken, "repo.read");
        var parts = revoked.AccessToken.Split('.');
        var tampered = await verifier.Verifier.ValidateAsync(parts[0] + "." + parts[1] + "." + TokenParts.Encode(new byte[64]), "tickets.read");

        Assert.Multiple(() =>
        {
            Assert.That(afterRevocation.Claims, Is.Null);
            Assert.That(afterRevocation.RefusedClaims?.JwtId, Is.EqualTo(revoked.GrantId));
            Assert.That(ToolUseOutcomes.Of(afterRevocation), Is.EqualTo(ToolUseOutcomes.RejectedRevoked));
            Assert.That(outOfScope.RefusedClaims, Is.Not.Null);
            Assert.That(ToolUseOutcomes.Of(outOfScope), Is.EqualTo(ToolUseOutcomes.Denied));
            Assert.That(otherAudience.Failure, Is.EqualTo(TokenFailure.WrongAudience));
            Assert.That(otherAudience.RefusedClaims, Is.Null, "a token for another server names no grant this one may speak for");
            Assert.That(tampered.Failure, Is.EqualTo(TokenFailure.BadSignature));
            Assert.That(tampered.RefusedClaims, Is.Null);
            Assert.That(ToolUseOutcomes.Of(tampered), Is.Null);
        });
    }

    [Test]
    public async Task A_token_naming_several_audiences_is_refused()
    {
        var claims = TokenForge.Claims();
        claims["aud"] = new JsonArray(VerifierHarness.Audience, "https://git.test");

        Assert.That(await RefusalAsync(forge.Sign(forge.Header(), claims)), Is.EqualTo(TokenFailure.WrongAudience));
    }

    [Test]
    public async Task Tampered_claims_are_refused()
    {
        var parts = (await GrantAsync()).AccessToken.Split('.');
        var claims = JsonNode.Parse(Encoding.UTF8.GetString(TokenParts.Decode(parts[1])))!.AsObject();
        claims["scope"] = "tickets.read tickets.admin";
        var tampered = parts[0] + "." + TokenParts.Encode(claims.ToJsonString()) + "." + parts[2];

        Assert.That(await RefusalAsync(tampered, "tickets.admin"), Is.EqualTo(TokenFailure.BadSignature));
    }

    [Test]
    public async Task Duplicate_claim_names_are_refused_even_when_signed()
    {
        // Which "scope" wins depends on the parser; a signed token must mean one thing.
        var claims = TokenForge.Claims().ToJsonString();
        var duplicated = claims[..^1] + ",\"scope\":\"tickets.admin\"}";

        Assert.That(await RefusalAsync(forge.Sign(forge.Header().ToJsonString(), duplicated), "tickets.admin"), Is.EqualTo(TokenFailure.DuplicateMember));
    }

    [Test]
    public async Task A_duplicate_header_member_is_refused()
    {
        var header = forge.Header().ToJsonString();
        var duplicated = header[..^1] + ",\"alg\":\"none\"}";

        Assert.That(await RefusalAsync(forge.Sign(duplicated, TokenForge.Claims().ToJsonString())), Is.EqualTo(TokenFailure.DuplicateMember));
    }

    [Test]
    public async Task A_token_over_the_size_limit_is_refused_before_parsing()
    {
        var claims = TokenForge.Claims();
        claims["purpose"] = new string('x', AccessTokenValidator.MaxTokenLength);

        Assert.That(await RefusalAsync(forge.Sign(forge.Header(), claims)), Is.EqualTo(TokenFailure.TooLarge));
    }

    [Test]
    public async Task A_signature_segment_with_trailing_bits_set_is_refused()
    {
        // 64 bytes take 86 base64url characters with 4 unused bits at the end; setting one decodes to the same bytes.
        var token = (await GrantAsync()).AccessToken;
        var last = token[^1];
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var altered = token[..^1] + alphabet[alphabet.IndexOf(last, StringComparison.Ordinal) ^ 1];
        Assume.That(Lenient(altered.Split('.')[2]), Is.EqualTo(TokenParts.Decode(token.Split('.')[2])), "a lenient decoder reads the same signature");

        Assert.That(await RefusalAsync(altered), Is.EqualTo(TokenFailure.NonCanonicalEncoding));
    }

    /// <summary>Classic base64 decoding, which ignores unused trailing bits: what a sloppy verifier would do.</summary>
    private static byte[] Lenient(string segment)
    {
        var text = segment.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(text + new string('=', (4 - (text.Length % 4)) % 4));
    }

    [TestCase("=")]
    [TestCase("==")]
    public async Task A_padded_segment_is_refused(string padding)
    {
        var parts = (await GrantAsync()).AccessToken.Split('.');

        Assert.That(await RefusalAsync(parts[0] + padding + "." + parts[1] + "." + parts[2]), Is.EqualTo(TokenFailure.NonCanonicalEncoding));
    }

    [Test]
    public async Task A_JWE_is_refused()
    {
        var header = TokenParts.Encode("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\",\"typ\":\"at+jwt\"}");

        Assert.That(await RefusalAsync($"{header}.a2V5.aXY.Y2lwaGVy.dGFn"), Is.EqualTo(TokenFailure.NotCompactJws));
    }

    [Test]
    public async Task A_JSON_serialised_JWS_is_refused()
    {
        var parts = (await GrantAsync()).AccessToken.Split('.');
        var json = new JsonObject { ["payload"] = parts[1], ["protected"] = parts[0], ["signature"] = parts[2] }.ToJsonString();

        Assert.That(await RefusalAsync(json), Is.EqualTo(TokenFailure.NotCompactJws));
    }

    [Test]
    public async Task The_high_S_twin_of_a_revoked_token_is_still_revoked()
    {
        var live = await GrantAsync();
        var revoked = await GrantAsync();
        await broker.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = revoked.GrantId }, broker.As(TestPolicy.Operator));
        await Eventually.ResultAsync(() => RefusalAsync(revoked.AccessToken), r => r == TokenFailure.Revoked, TimeSpan.FromSeconds(10), "the revocation to reach the verifier");

        var liveTwin = await verifier.Verifier.ValidateAsync(TokenForge.HighSTwin(live.AccessToken), "tickets.read");
        var revokedTwin = await RefusalAsync(TokenForge.HighSTwin(revoked.AccessToken));

        Assert.That(TokenForge.HighSTwin(revoked.AccessToken), Is.Not.EqualTo(revoked.AccessToken));
        Assert.That(liveTwin.IsValid, Is.True, "the twin is a valid signature: only keying revocation on jti stops it");
        Assert.That(revokedTwin, Is.EqualTo(TokenFailure.Revoked));
    }

    [Test]
    public async Task An_empty_or_garbage_token_is_malformed()
    {
        Assert.That(await RefusalAsync(""), Is.EqualTo(TokenFailure.Malformed));
        Assert.That(await RefusalAsync("a.b"), Is.EqualTo(TokenFailure.Malformed));
        Assert.That(await RefusalAsync(TokenParts.Encode("[1]") + "." + TokenParts.Encode("{}") + ".AAAA"), Is.EqualTo(TokenFailure.Malformed));
    }
}
