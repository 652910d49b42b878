using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CredBroker.Cli.Output;

/// <summary>Writes a list of results, each given as named fields, as one JSON array (the list form of <see cref="Printer"/>).</summary>
public static class ListPrinter
{
    public static void WriteJson(TextWriter output, IEnumerable<IReadOnlyList<(string Name, object? Value)>> items)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(items);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var fields in items)
            {
                json.WriteStartObject();
                foreach (var (name, value) in fields)
                {
                    switch (value)
                    {
                        case null:
                            json.WriteNull(name);
                            break;
                        case DateTimeOffset time:
                            json.WriteString(name, time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
                            break;
                        case IEnumerable<string> list when value is not string:
                            json.WriteStartArray(name);
                            foreach (var item in list)
                            {
                                json.WriteStringValue(item);
                            }

                            json.WriteEndArray();
                            break;
                        default:
                            json.WriteString(name, value.ToString());
                            break;
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
