using System.Text;
using CredBroker.Server.Errors;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CredBroker.Server.Http;

/// <summary>
/// The token request's form body (RFC 6749 section 3.2): <c>application/x-www-form-urlencoded</c> only, at
/// most <see cref="MaxBodyBytes"/>, each parameter at most once. Anything else is refused before a byte of
/// it is parsed or anything is decided.
/// </summary>
public sealed class TokenRequestForm
{
    /// <summary>Far above any real request (an identity token is at most 16 KiB); a 1 MB assertion is refused unread.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private const string FormType = "application/x-www-form-urlencoded";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, string> values;

    private TokenRequestForm(Dictionary<string, string> values) => this.values = values;

    /// <summary>The parameter's value; null when absent or empty (RFC 6749 section 3.1: empty means omitted).</summary>
    public string? this[string name] => values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public static async Task<(TokenRequestForm? Form, OAuthError? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals(FormType, StringComparison.OrdinalIgnoreCase))
        {
            return (null, OAuthErrors.InvalidRequest($"the body must be {FormType} (RFC 6749 section 3.2), not '{request.ContentType ?? "none"}'"));
        }

        if (type.Charset.HasValue && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return (null, OAuthErrors.InvalidRequest($"the body must be UTF-8 (RFC 6749 appendix B), not charset '{type.Charset}'"));
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        var bytes = await ReadCappedAsync(request.Body, cancellationToken).ConfigureAwait(false);
        if (bytes is not { } raw)
        {
            return (null, TooLarge());
        }

        string body;
        try
        {
            body = Utf8.GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            return (null, OAuthErrors.InvalidRequest("the body is not valid UTF-8 (RFC 6749 appendix B)"));
        }

        Dictionary<string, Microsoft.Extensions.Primitives.StringValues> parsed;
        try
        {
            parsed = new FormReader(body) { ValueCountLimit = 64 }.ReadForm();
        }
        catch (InvalidDataException)
        {
            return (null, OAuthErrors.InvalidRequest("the form has more than 64 parameters"));
        }

        // RFC 6749 section 3.2: "Request and response parameters MUST NOT be included more than once."
        if (parsed.FirstOrDefault(p => p.Value.Count > 1) is { Key: { } repeated })
        {
            return (null, OAuthErrors.InvalidRequest($"{repeated}: given {parsed[repeated].Count} times; send each parameter once"));
        }

        return (new TokenRequestForm(parsed.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal)), null);
    }

    private static OAuthError TooLarge() =>
        OAuthErrors.InvalidRequest($"the body is larger than {MaxBodyBytes / 1024} KiB; an identity token is at most {CredBroker.Core.Identity.IdentityTokenValidator.MaxTokenLength / 1024} KiB");

    /// <summary>The body's bytes, or null past <see cref="MaxBodyBytes"/> (a chunked body has no length to check first).</summary>
    private static async Task<ArraySegment<byte>?> ReadCappedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBodyBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
        {
            read += n;
        }

        if (read > MaxBodyBytes)
        {
            return null;
        }

        return new ArraySegment<byte>(buffer, 0, read);
    }
}
