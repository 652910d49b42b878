using System.Net.Http.Headers;
using McpAgent;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

// Knows only the MCP server's URL and its own JWT-SVID; everything else is discovered.
var settings = AgentSettings.Parse(args, Environment.GetEnvironmentVariable);
var log = Console.Out;
using var oauth = new OAuthDiscoveryHandler(settings, log);
using var http = new HttpClient(oauth);
await using var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = settings.Server, TransportMode = HttpTransportMode.StreamableHttp }, http, ownsHttpClient: false);
await using var client = await McpClient.CreateAsync(transport);
await log.WriteLineAsync($"connected to {client.ServerInfo?.Name}");

var refused = false;
foreach (var tool in settings.Calls)
{
    refused |= !await CallAsync(tool, tool);
}

if (settings.Also is { } other)
{
    // The same token at another MCP server (another resource): its audience is not this one's.
    using var probe = new HttpClient();
    using var request = new HttpRequestMessage(HttpMethod.Post, other)
    {
        Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", new MediaTypeHeaderValue("application/json")),
    };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", oauth.AccessToken);
    request.Headers.Accept.ParseAdd("application/json");
    request.Headers.Accept.ParseAdd("text/event-stream");
    using var response = await probe.SendAsync(request);
    await log.WriteLineAsync($"same token at {other}: {(int)response.StatusCode} {response.Headers.WwwAuthenticate}");
}

for (var n = 1; settings.RepeatUntilRefused; n++)
{
    if (!await CallAsync(settings.Calls[0], $"repeat {n} {settings.Calls[0]}"))
    {
        return 1;
    }

    await Task.Delay(settings.Interval);
}

return refused ? 1 : 0;

async Task<bool> CallAsync(string tool, string label)
{
    // 503: the tool server cannot decide yet (its revocation view is stale); the token may be good, so try again.
    for (var attempt = 1; ; attempt++)
    {
        var outcome = await CallOnceAsync(tool, label);
        if (outcome is not null || attempt == 25)
        {
            return outcome == true;
        }

        await Task.Delay(settings.Interval);
    }
}

async Task<bool?> CallOnceAsync(string tool, string label)
{
    try
    {
        var result = await client.CallToolAsync(tool, tool == "comment_ticket" ? new Dictionary<string, object?> { ["id"] = 42, ["text"] = "looking" } : null);
        var text = result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? string.Empty;
        await log.WriteLineAsync($"call {label}: {(result.IsError == true ? "error" : "ok")} {text.Split('\n')[0]}");
        return result.IsError != true;
    }
    catch (Exception) when (oauth.LastRefusal is { Status: System.Net.HttpStatusCode.ServiceUnavailable })
    {
        return null;
    }
    catch (Exception e) when (oauth.LastRefusal is { } refusal)
    {
        await log.WriteLineAsync($"call {label}: refused {(int)refusal.Status} {refusal.Challenge} ({e.GetType().Name})");
        return false;
    }
}
