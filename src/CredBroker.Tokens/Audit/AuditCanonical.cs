using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace CredBroker.Core.Audit;

/// <summary>
/// The one serialised form of an event: JSON with a fixed property order, times as UTC with
/// milliseconds, evidence sorted by key. The hash is SHA-256 over this form without the <c>hash</c>
/// property; the stored line (JSON-lines file, Redis stream) is this form with it.
/// </summary>
internal static class AuditCanonical
{
    /// <summary>The <c>prev_hash</c> of the first event ever written to a chain.</summary>
    public static readonly string GenesisHash = new('0', 64);

    private const string TimeFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    /// <summary>The stored line: canonical form with the hash.</summary>
    public static string ToJson(AuditEvent e) => System.Text.Encoding.UTF8.GetString(Write(e, withHash: true));

    public static string ComputeHash(AuditEvent e) => Convert.ToHexStringLower(SHA256.HashData(Write(e, withHash: false)));

    /// <summary>Milliseconds, UTC: what survives a round trip through the canonical form.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static byte[] Write(AuditEvent e, bool withHash)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("seq", e.Seq);
            json.WriteString("id", e.Id);
            json.WriteString("time", e.Time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
            json.WriteString("kind", e.Kind);
            json.WriteString("decision", e.Decision);
            json.WriteString("caller", e.Caller);
            json.WriteString("request_id", e.RequestId);
            if (e.TraceId.Length > 0)
            {
                json.WriteString("trace_id", e.TraceId);
            }

            json.WriteString("workload_id", e.WorkloadId);
            json.WriteString("owner", e.Owner);
            json.WriteString("task_id", e.TaskId);
            json.WriteString("purpose", e.Purpose);
            json.WriteStartArray("tools");
            foreach (var tool in e.Tools)
            {
                json.WriteStringValue(tool);
            }

            json.WriteEndArray();
            json.WriteString("grant_id", e.GrantId);
            json.WriteString("reason", e.Reason);
            json.WriteStartObject("evidence");
            foreach (var (key, value) in e.Evidence.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteString("prev_hash", e.PrevHash);
            if (withHash)
            {
                json.WriteString("hash", e.Hash);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a stored line back. Throws <see cref="FormatException"/> when it is not an audit event.</summary>
    public static AuditEvent Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var time = DateTimeOffset.ParseExact(Text(root, "time"), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            return new AuditEvent(
                root.GetProperty("seq").GetInt64(),
                Text(root, "id"),
                time,
                Text(root, "kind"),
                Text(root, "decision"),
                Text(root, "caller"),
                Text(root, "request_id"),
                Text(root, "workload_id"),
                Text(root, "owner"),
                Text(root, "task_id"),
                Text(root, "purpose"),
                root.GetProperty("tools").EnumerateArray().Select(t => t.GetString() ?? string.Empty).ToList(),
                Text(root, "grant_id"),
                Text(root, "reason"),
                root.GetProperty("evidence").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal),
                Text(root, "prev_hash"),
                Text(root, "hash"))
            {
                TraceId = root.TryGetProperty("trace_id", out var trace) ? trace.GetString() ?? string.Empty : string.Empty,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not an audit event: {e.Message}", e);
        }
    }

    private static string Text(JsonElement root, string name) => root.GetProperty(name).GetString() ?? string.Empty;
}
