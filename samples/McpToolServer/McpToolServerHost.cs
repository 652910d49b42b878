using CredBroker.Verifier;
using CredBroker.Verifier.AspNetCore;

namespace McpToolServer;

/// <summary>
/// An MCP server (Streamable HTTP, stateless) whose MCP tools are CredBroker tools. <c>/mcp</c> needs a CredBroker
/// token for this server's audience (else 401 naming the RFC 9728 metadata), and each <c>tools/call</c> needs the
/// CredBroker tool it is mapped to (else 403 <c>insufficient_scope</c> naming it), so an MCP client discovers the
/// broker, gets a token and steps up on its own. Each tool call's fate goes on the broker's audit trail
/// (<see cref="ToolCallGuard"/>).
/// </summary>
public static class McpToolServerHost
{
    public const string McpPath = "/mcp";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.Services.AddCredBrokerVerifier(o =>
        {
            builder.Configuration.GetSection(CredBrokerVerifierOptions.Section).Bind(o);
            o.IdentityToken = _ => ValueTask.FromResult(builder.Configuration["CREDBROKER_TOKEN"] is { Length: > 0 } token
                ? token.Trim()
                : throw new InvalidOperationException("no identity token: set CREDBROKER_TOKEN to this server's JWT-SVID (role tool)"));
        });
        builder.Services.AddAuthentication(CredBrokerTokenDefaults.AuthenticationScheme).AddCredBrokerToken(o =>
        {
            // The broker's HTTP listener, where RFC 8414 metadata lives; the token issuer otherwise.
            if (builder.Configuration["McpToolServer:AuthorizationServer"] is { Length: > 0 } server)
            {
                o.AuthorizationServers.Add(server);
            }

            foreach (var scope in ToolScopes.All)
            {
                o.Scopes.Add(scope);
            }
        });
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<TicketDesk>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddMcpServer()
            .WithHttpTransport(o => o.Stateless = true)
            .WithTools<TicketTools>();

        var app = builder.Build();
        app.UseAuthentication();
        // Before authorization, so a tool call refused for its token (401) is reported against its grant too.
        app.UseWhen(http => http.Request.Path.StartsWithSegments(McpPath), mcp => mcp.Use(ToolCallGuard.InvokeAsync));
        app.UseAuthorization();

        app.MapCredBrokerProtectedResource();
        app.MapMcp(McpPath).RequireAuthorization(p => p.AddAuthenticationSchemes(CredBrokerTokenDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        // Ready once the revocation view is fresh: before that every call would be 503 (the verifier cannot decide).
        app.MapGet("/healthz", (RevocationCache revocations) => revocations.IsFresh ? Results.Text("ok") : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        return app;
    }
}
