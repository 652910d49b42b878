// An agent runtime, as small as it gets: it opens nothing itself, asks CredBroker for a grant for the task
// it was given, calls the tool server with the token, and reports each call on one line:
//   call 1: ok 200 ...            the tool server accepted the token
//   call 2: refused 401 ...       the tool server rejected it (revoked, expired, out of scope)
//   call 3: no grant: ...         the broker refused a new grant (task revoked, policy, kill switch)
// Usage: AgentRuntime --task <id> [--tool-server http://127.0.0.1:5090] [--path /tickets] [--tool tickets.read]
//                     [--purpose "..."] [--calls 0] [--interval 1s]
// --calls 0 runs until the first refusal. The broker address and the agent's identity come from
// CREDBROKER_ADDRESS and CREDBROKER_TOKEN (or CREDBROKER_TOKEN_FILE), as for the credbroker CLI.
// Exit code: 0 when every call succeeded, 1 when one was refused, 2 on a usage error.
using System.Globalization;
using System.Net.Http.Headers;
using AgentRuntime;
using CredBroker.Client;
using Microsoft.Extensions.DependencyInjection;

if (!Arguments.TryParse(args, out var options, out var problem))
{
    Console.Error.WriteLine($"error: {problem}");
    return 2;
}

var services = new ServiceCollection();
services.AddCredBrokerClient(broker =>
{
    broker.Address = new Uri(Environment.GetEnvironmentVariable("CREDBROKER_ADDRESS") ?? "http://127.0.0.1:5080");
    broker.IdentityToken = Environment.GetEnvironmentVariable("CREDBROKER_TOKEN") is { Length: > 0 } token ? token.Trim() : null;
    broker.IdentityTokenFile = broker.IdentityToken is null ? Environment.GetEnvironmentVariable("CREDBROKER_TOKEN_FILE") : null;
});
services.AddHttpClient("tools", http => http.BaseAddress = options.ToolServer);
await using var provider = services.BuildServiceProvider();
var credentials = provider.GetRequiredService<CredBrokerClient>();
var tools = provider.GetRequiredService<IHttpClientFactory>().CreateClient("tools");

for (var call = 1; options.Calls == 0 || call <= options.Calls; call++)
{
    string token;
    try
    {
        // Cached and refreshed before expiry by the client; the agent never thinks about token lifetimes.
        token = await credentials.GetTokenAsync(options.Task, options.Purpose, [options.Tool]);
    }
    catch (CredBrokerException e)
    {
        Console.WriteLine($"call {call}: no grant: {e.StatusName}: {e.Reason}");
        return 1;
    }

    using var request = new HttpRequestMessage(HttpMethod.Get, options.Path);
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await tools.SendAsync(request);
    var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
    if (response.IsSuccessStatusCode)
    {
        var body = await response.Content.ReadAsStringAsync();
        Console.WriteLine($"call {call}: ok {status} {Shorten(body)}");
    }
    else
    {
        // The tool server says why in WWW-Authenticate (RFC 6750); the agent drops its cached grant.
        var why = response.Headers.WwwAuthenticate.ToString();
        Console.WriteLine($"call {call}: refused {status} {why}");
        credentials.ForgetTask(options.Task);
        return 1;
    }

    if (options.Calls == 0 || call < options.Calls)
    {
        await Task.Delay(options.Interval);
    }
}

return 0;

static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "...";
