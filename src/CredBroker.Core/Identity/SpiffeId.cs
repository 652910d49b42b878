namespace CredBroker.Core.Identity;

/// <summary>SPIFFE IDs as the SPIFFE-ID spec defines them: <c>spiffe://trust-domain/path</c>.</summary>
public static class SpiffeId
{
    public const int MaxLength = 2048;
    private const string Scheme = "spiffe://";

    /// <summary>
    /// Lower-case trust domain of [a-z0-9.-_], a path of non-empty segments of [A-Za-z0-9.-_]
    /// that are not "." or "..", no query, fragment, port or user info.
    /// </summary>
    public static bool IsValid(string? id)
    {
        if (id is null || id.Length > MaxLength || !id.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = id.AsSpan(Scheme.Length);
        var slash = rest.IndexOf('/');
        var domain = slash < 0 ? rest : rest[..slash];
        if (domain.IsEmpty || !IsTrustDomain(domain))
        {
            return false;
        }

        if (slash < 0)
        {
            return true;
        }

        var path = rest[slash..];
        foreach (var range in path[1..].Split('/'))
        {
            var segment = path[1..][range];
            if (segment.IsEmpty || segment is "." or ".." || !IsPathSegment(segment))
            {
                return false;
            }
        }

        return true;
    }

    public static string TrustDomain(string id) => id[Scheme.Length..].Split('/', 2)[0];

    /// <summary>A SPIFFE ID, or one followed by <c>/*</c> to match every ID below it.</summary>
    public static bool IsValidPattern(string? pattern) =>
        pattern is not null && (pattern.EndsWith("/*", StringComparison.Ordinal) ? IsValid(pattern[..^2]) : IsValid(pattern));

    private static bool IsTrustDomain(ReadOnlySpan<char> domain)
    {
        foreach (var c in domain)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPathSegment(ReadOnlySpan<char> segment)
    {
        foreach (var c in segment)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
