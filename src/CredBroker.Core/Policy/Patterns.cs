namespace CredBroker.Core.Policy;

/// <summary>
/// A SPIFFE ID or a prefix pattern ending in <c>/*</c> (<c>spiffe://example.org/agents/*</c>),
/// which matches any ID below that path, never the trust domain's other paths.
/// </summary>
public sealed record IdPattern(string Text)
{
    public bool Matches(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (Text.EndsWith("/*", StringComparison.Ordinal))
        {
            var prefix = Text[..^1];
            return id.Length > prefix.Length && id.StartsWith(prefix, StringComparison.Ordinal);
        }

        return string.Equals(Text, id, StringComparison.Ordinal);
    }

    public override string ToString() => Text;
}

/// <summary>
/// A dotted name or a pattern whose last segment is <c>*</c> (<c>tickets.*</c> matches
/// <c>tickets.read</c> and <c>tickets.comments.write</c>), or <c>*</c> alone for every name.
/// </summary>
public sealed record NamePattern(string Text)
{
    public bool Matches(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Text == "*")
        {
            return true;
        }

        if (Text.EndsWith(".*", StringComparison.Ordinal))
        {
            var prefix = Text[..^1];
            return name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal);
        }

        return string.Equals(Text, name, StringComparison.Ordinal);
    }

    public override string ToString() => Text;
}
