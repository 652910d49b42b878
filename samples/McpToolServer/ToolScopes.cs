using System.Text.Json;

namespace McpToolServer;

/// <summary>Each MCP tool's CredBroker tool: the token scope a <c>tools/call</c> of it needs.</summary>
public static class ToolScopes
{
    public static readonly IReadOnlyDictionary<string, string> ByMcpTool = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TicketTools.ListTickets] = "tickets.read",
        [TicketTools.CommentTicket] = "tickets.comment",
    };

    public static IEnumerable<string> All => ByMcpTool.Values.Distinct(StringComparer.Ordinal);

    /// <summary>Larger JSON-RPC bodies are not tool calls this server takes.</summary>
    private const int MaxBody = 64 * 1024;

    /// <summary>The MCP tool a JSON-RPC <c>tools/call</c> names, or null for any other request; the body stays readable for the MCP server.</summary>
    public static async Task<string?> ReadToolCallAsync(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return null;
        }

        request.EnableBuffering(MaxBody);
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
            return body.RootElement is { ValueKind: JsonValueKind.Object } message
                && message.TryGetProperty("method", out var method) && method.ValueEquals("tools/call")
                && message.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()
                : null;
        }
        catch (JsonException)
        {
            // Not JSON: the MCP server answers it with its own error.
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }
}
