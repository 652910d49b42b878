using System.Text.Json;
using CredBroker.Verifier.AspNetCore;
using Microsoft.AspNetCore.Authentication;

namespace McpToolServer;

/// <summary>
/// Each MCP tool's CredBroker tool (the token scope it needs). A <c>tools/call</c> whose token lacks it is answered
/// 403 <c>insufficient_scope</c> with <c>scope</c> naming it (RFC 6750 section 3.1, the MCP authorization spec's step-up),
/// before the MCP server runs anything.
/// </summary>
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

    public static async Task RequireAsync(HttpContext http, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || http.User.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }

        http.Request.EnableBuffering(MaxBody);
        string? tool = null;
        try
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted);
            if (body.RootElement is { ValueKind: JsonValueKind.Object } message
                && message.TryGetProperty("method", out var method) && method.ValueEquals("tools/call")
                && message.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            {
                tool = name.GetString();
            }
        }
        catch (JsonException)
        {
            // Not JSON: the MCP server answers it with its own error.
        }

        http.Request.Body.Position = 0;
        if (tool is not null && ByMcpTool.TryGetValue(tool, out var scope) && !http.User.HasClaim(CredBrokerTokenDefaults.ToolClaim, scope))
        {
            CredBrokerToolHandler.Missing(http).Add(scope);
            await http.ForbidAsync(CredBrokerTokenDefaults.AuthenticationScheme);
            return;
        }

        await next(http);
    }
}
