using System.Text;

namespace CredBroker.Cli.Output;

/// <summary>
/// Colours whole lines for a person at a terminal: refusals and errors red, notices and warnings yellow,
/// a live token green. Nothing else changes, so what a script greps is the same text either way; and a
/// redirected stream or a set <c>NO_COLOR</c> gets no escape codes at all.
/// </summary>
public sealed class Colour : TextWriter
{
    private const string Red = "\u001b[31m";
    private const string Yellow = "\u001b[33m";
    private const string Green = "\u001b[32m";
    private const string Reset = "\u001b[0m";

    private readonly TextWriter inner;

    private Colour(TextWriter inner) => this.inner = inner;

    public override Encoding Encoding => inner.Encoding;

    /// <summary>
    /// Whether to colour a stream. Per https://no-color.org, <c>NO_COLOR</c> set to any non-empty value turns
    /// colour off; an empty value counts as unset. A redirected stream (a file, a pipe, $(...)) is never coloured.
    /// </summary>
    public static bool Wanted(bool redirected, string? noColor) => !redirected && string.IsNullOrEmpty(noColor);

    /// <summary><paramref name="writer"/> itself when colour is not <see cref="Wanted"/>, else a colouring wrapper around it.</summary>
    public static TextWriter For(TextWriter writer, bool redirected, string? noColor) =>
        Wanted(redirected, noColor) ? new Colour(writer) : writer;

    /// <summary>The line with the colour its first word calls for, or unchanged.</summary>
    public static string? Paint(string? line) => line switch
    {
        null => null,
        _ when line.StartsWith("error:", StringComparison.Ordinal) || line.StartsWith("inactive", StringComparison.Ordinal) => Red + line + Reset,
        _ when line.StartsWith("notice:", StringComparison.Ordinal) || line.StartsWith("warning:", StringComparison.Ordinal)
            || line.StartsWith("pending:", StringComparison.Ordinal) => Yellow + line + Reset,
        "active" => Green + line + Reset,
        _ => line,
    };

    public override void Write(char value) => inner.Write(value);

    public override void Write(string? value) => inner.Write(value);

    public override void WriteLine(string? value) => inner.WriteLine(Paint(value));

    public override void Flush() => inner.Flush();
}
