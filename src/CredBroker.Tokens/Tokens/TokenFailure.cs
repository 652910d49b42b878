namespace CredBroker.Core.Tokens;

/// <summary>
/// Why an access token was refused. Offline validation (signature and claims) yields the
/// kinds up to <see cref="MissingClaim"/>; the tool-side verifier adds the rest. One list for broker and
/// verifier, so a refusal reads the same wherever it is made.
/// </summary>
public enum TokenFailure
{
    /// <summary>Not a JWT at all: empty, wrong number of segments, or a segment that is not JSON.</summary>
    Malformed,

    /// <summary>Longer than 8 KiB (ours are well under 2 KB); refused before parsing.</summary>
    TooLarge,

    /// <summary>A JWE (five segments) or a JSON-serialised JWS: only JWS compact is ours.</summary>
    NotCompactJws,

    /// <summary>A segment that is not canonical base64url (padding, stray characters, trailing bits set).</summary>
    NonCanonicalEncoding,

    /// <summary>A JSON member named twice in the header or the claims: parsers disagree on which one wins.</summary>
    DuplicateMember,

    /// <summary><c>alg</c> is not ES256 (e.g. <c>none</c>, or HS256 keyed with the public key).</summary>
    UnsupportedAlgorithm,

    /// <summary><c>typ</c> is not <c>at+jwt</c> (RFC 9068 section 4).</summary>
    WrongType,

    /// <summary>A <c>crit</c> header: RFC 7515 section 4.1.11 says refuse extensions not understood; we understand none.</summary>
    CritHeader,

    /// <summary><c>kid</c> missing, too long, or with characters a thumbprint never has (e.g. path characters).</summary>
    InvalidKeyId,

    /// <summary>The <c>kid</c> is not in the broker's JWKS.</summary>
    UnknownKey,

    /// <summary>The signature does not verify (a forged or tampered token).</summary>
    BadSignature,

    /// <summary><c>exp</c> has passed (beyond the allowed clock skew).</summary>
    Expired,

    /// <summary><c>nbf</c> is still ahead (beyond the allowed clock skew).</summary>
    NotYetValid,

    /// <summary><c>iss</c> is not exactly the configured issuer.</summary>
    WrongIssuer,

    /// <summary><c>aud</c> is not this tool server's audience: a token for another server, replayed here.</summary>
    WrongAudience,

    /// <summary>A claim every CredBroker token carries is absent or of the wrong type.</summary>
    MissingClaim,

    /// <summary>The token is valid but does not grant the tool asked for.</summary>
    ToolNotInScope,

    /// <summary>A revocation rule covers the token.</summary>
    Revoked,

    /// <summary>The verifier cannot prove its revocation view is fresh, and is configured to fail closed.</summary>
    Stale,

    /// <summary>The broker's <c>Introspect</c> said the token is not active.</summary>
    Inactive,

    /// <summary>The broker could not be asked (fallback to <c>Introspect</c> failed); fail closed.</summary>
    Unavailable,
}
