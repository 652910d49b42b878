using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CredBroker.Core.Policy;

namespace CredBroker.Cli.Output;

public enum OutputFormat
{
    /// <summary>Aligned name/value lines for people.</summary>
    Table,

    /// <summary>One JSON object for scripts (snake_case names, RFC 3339 UTC times).</summary>
    Json,
}

/// <summary>
/// Writes one result, given as named fields, as a table or as JSON. Fields are listed explicitly
/// by each command, so what scripts parse is a stable contract rather than whatever properties a
/// client type happens to have.
/// </summary>
public static class Printer
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Indented = true,
        // Terminal output, not HTML: keep quotes and apostrophes in purposes readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(TextWriter output, OutputFormat format, IReadOnlyList<(string Name, object? Value)> fields)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(fields);
        if (format == OutputFormat.Json)
        {
            WriteJson(output, fields);
        }
        else
        {
            WriteTable(output, fields);
        }
    }

    /// <summary>
    /// Writes several results of one shape: a table with a header row for people, a JSON array for scripts.
    /// Every row lists the same fields in the same order.
    /// </summary>
    public static void WriteRows(TextWriter output, OutputFormat format, IReadOnlyList<IReadOnlyList<(string Name, object? Value)>> rows)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);
        if (format == OutputFormat.Json)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, JsonOptions))
            {
                json.WriteStartArray();
                foreach (var row in rows)
                {
                    json.WriteStartObject();
                    foreach (var (name, value) in row)
                    {
                        WriteJsonValue(json, name, value);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
            return;
        }

        if (rows.Count == 0)
        {
            return;
        }

        // Table cells stay on one line and carry no relative times: columns must line up.
        var names = rows[0].Select(f => f.Name).ToList();
        var cells = rows.Select(row => row.Select(f => f.Value is DateTimeOffset t ? Time(t) : TableText(f.Value)).ToList()).ToList();
        var widths = names.Select((name, i) => Math.Max(name.Length, cells.Max(c => c[i].Length))).ToList();
        output.WriteLine(string.Join("  ", names.Select((name, i) => name.ToUpperInvariant().PadRight(widths[i]))).TrimEnd());
        foreach (var row in cells)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<(string Name, object? Value)> fields)
    {
        var shown = fields.Where(f => f.Value is not null and not "").ToList();
        var width = shown.Count == 0 ? 0 : shown.Max(f => f.Name.Length);
        foreach (var (name, value) in shown)
        {
            output.WriteLine($"{name.PadRight(width)}  {TableText(value)}");
        }
    }

    private static string TableText(object? value) => value switch
    {
        DateTimeOffset time => Time(time) + Relative(time),
        IEnumerable<string> list => string.Join(' ', list),
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? string.Empty,
    };

    private static string Relative(DateTimeOffset time)
    {
        var delta = time - DateTimeOffset.UtcNow;
        return delta > TimeSpan.FromSeconds(1) ? $" (in {DurationText.Format(delta)})" : string.Empty;
    }

    private static void WriteJson(TextWriter output, IReadOnlyList<(string Name, object? Value)> fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                WriteJsonValue(json, name, value);
            }

            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteJsonValue(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(name);
                break;
            case string text:
                json.WriteString(name, text);
                break;
            case bool flag:
                json.WriteBoolean(name, flag);
                break;
            case long number:
                json.WriteNumber(name, number);
                break;
            case DateTimeOffset time:
                json.WriteString(name, Time(time));
                break;
            case IEnumerable<string> list:
                json.WriteStartArray(name);
                foreach (var item in list)
                {
                    json.WriteStringValue(item);
                }

                json.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"field {name} has a type the printer does not know: {value.GetType()}", nameof(value));
        }
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
