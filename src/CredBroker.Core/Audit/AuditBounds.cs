using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CredBroker.Core.Policy;
using CredBroker.Core.Validation;

namespace CredBroker.Core.Audit;

/// <summary>
/// Keeps a request's fields within the input limits (<see cref="InputLimits"/>) when they go on
/// record, so a refused oversized request costs the log a few KB, not its megabytes. Each field that
/// was cut leaves an evidence entry <c>truncated:&lt;field&gt;</c> of the form
/// <c>length=N sha256=HEX</c>: the length in characters and the SHA-256 of the UTF-8 of the whole
/// original value, so the original can still be matched. A well-formed request is recorded unchanged.
/// </summary>
public static class AuditBounds
{
    /// <summary>Evidence keys this class writes; no context key can take this form (':' is not allowed in one), so none can be forged.</summary>
    public const string TruncatedPrefix = "truncated:";

    /// <summary>At most this many tools are recorded (the validator's own ceiling).</summary>
    public const int ToolsMaxEntries = 256;

    public static AuditEntry Apply(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var notes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var bounded = entry with
        {
            TaskId = Text(entry.TaskId, "task_id", InputLimits.TaskIdMaxLength, notes),
            Purpose = Text(entry.Purpose, "purpose", InputLimits.PurposeMaxLength, notes),
            Owner = Text(entry.Owner, "owner", InputLimits.OwnerMaxLength, notes),
            Reason = Text(entry.Reason, "reason", InputLimits.ReasonMaxLength, notes),
            Tools = Tools(entry.Tools, notes),
        };
        var evidence = Evidence(entry.Evidence, notes);
        if (notes.Count == 0 && ReferenceEquals(evidence, entry.Evidence))
        {
            return bounded;
        }

        var merged = new Dictionary<string, string>(evidence, StringComparer.Ordinal);
        foreach (var (key, value) in notes)
        {
            merged[key] = value;
        }

        return bounded with { Evidence = merged };
    }

    private static string Text(string value, string field, int max, SortedDictionary<string, string> notes)
    {
        if (value.Length <= max)
        {
            return value;
        }

        notes[TruncatedPrefix + field] = Note(value.Length, value);
        return Cut(value, max);
    }

    private static IReadOnlyList<string> Tools(IReadOnlyList<string> tools, SortedDictionary<string, string> notes)
    {
        if (tools.Count <= ToolsMaxEntries && tools.All(t => t.Length <= ToolNames.MaxLength))
        {
            return tools;
        }

        var whole = string.Join('\n', tools);
        notes[TruncatedPrefix + "tools"] = $"entries={tools.Count.ToString(CultureInfo.InvariantCulture)} " + Note(whole.Length, whole);
        return tools.Take(ToolsMaxEntries).Select(t => t.Length <= ToolNames.MaxLength ? t : Cut(t, ToolNames.MaxLength)).ToList();
    }

    /// <summary>The caller's context, as validated: at most the allowed entries, well-formed keys only, values cut to their limit.</summary>
    private static IReadOnlyDictionary<string, string> Evidence(IReadOnlyDictionary<string, string> evidence, SortedDictionary<string, string> notes)
    {
        if (evidence.Count <= InputLimits.ContextMaxEntries && evidence.All(p => IsKey(p.Key) && p.Value.Length <= InputLimits.ContextValueMaxLength))
        {
            return evidence;
        }

        var sorted = new SortedDictionary<string, string>(evidence.ToDictionary(), StringComparer.Ordinal);
        var whole = JsonSerializer.Serialize(sorted);
        notes[TruncatedPrefix + "context"] = $"entries={evidence.Count.ToString(CultureInfo.InvariantCulture)} " + Note(whole.Length, whole);
        return sorted
            .Where(p => IsKey(p.Key))
            .Take(InputLimits.ContextMaxEntries)
            .ToDictionary(p => p.Key, p => p.Value.Length <= InputLimits.ContextValueMaxLength ? p.Value : Cut(p.Value, InputLimits.ContextValueMaxLength), StringComparer.Ordinal);
    }

    private static bool IsKey(string key) =>
        key.Length is > 0 and <= InputLimits.ContextKeyMaxLength && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private static string Note(int length, string whole) =>
        $"length={length.ToString(CultureInfo.InvariantCulture)} sha256={Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(whole)))}";

    /// <summary>The first <paramref name="max"/> characters, never splitting a surrogate pair (the canonical JSON must stay valid UTF-8).</summary>
    private static string Cut(string value, int max) => char.IsHighSurrogate(value[max - 1]) ? value[..(max - 1)] : value[..max];
}
