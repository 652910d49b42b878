using System.Collections.Concurrent;
using CredBroker.Verifier;
using CredBroker.Verifier.AspNetCore;

namespace ToolServer;

/// <summary>
/// The tool server: a ticket desk whose endpoints each need one CredBroker tool. Every request's token is
/// checked offline (JWKS), against this server's audience, and against the revocations the broker streams.
/// </summary>
public static class ToolServerHost
{
    public const string ReadTool = "tickets.read";
    public const string CommentTool = "tickets.comment";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var identity = new IdentityTokenSource(builder.Configuration);
        builder.Services.AddCredBrokerVerifier(o =>
        {
            builder.Configuration.GetSection(CredBrokerVerifierOptions.Section).Bind(o);
            o.IdentityToken = identity.ReadAsync;
        });
        builder.Services.AddAuthentication(CredBrokerTokenDefaults.AuthenticationScheme).AddCredBrokerToken();
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<TicketDesk>();
        // Ready only while the revocation view is fresh: a stale one would refuse (or introspect) every token.
        builder.Services.AddHealthChecks().AddCredBrokerVerifier();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/tickets", (TicketDesk desk) => desk.All())
            .RequireAuthorization(p => p.RequireCredBrokerTool(ReadTool));
        app.MapPost("/tickets/{id:int}/comments", (int id, CommentRequest comment, HttpContext http, TicketDesk desk) =>
            {
                var caller = http.Features.Get<CredBrokerTokenFeature>()!.Claims;
                if (string.IsNullOrWhiteSpace(comment.Text) || comment.Text.Length > 2000)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["text"] = ["required, at most 2000 characters"] });
                }

                return desk.Comment(id, comment.Text, caller.Subject, caller.TaskId) is { } ticket ? Results.Ok(ticket) : Results.NotFound();
            })
            .RequireAuthorization(p => p.RequireCredBrokerTool(CommentTool));
        // RFC 9728: every 401 and 403 names this document, so a client finds the broker and the tools on its own.
        app.MapCredBrokerProtectedResource();
        app.MapGet("/healthz", () => "ok");
        app.MapHealthChecks("/healthz/ready");
        return app;
    }
}

public sealed record CommentRequest(string Text);

public sealed record Ticket(int Id, string Title, IReadOnlyList<string> Comments);

/// <summary>An in-memory ticket list: the sample is about the guard, not the desk.</summary>
public sealed class TicketDesk
{
    private readonly ConcurrentDictionary<int, Ticket> tickets = new()
    {
        [42] = new Ticket(42, "Customer cannot log in", []),
        [43] = new Ticket(43, "Invoice shows the wrong currency", []),
    };

    public IEnumerable<Ticket> All() => tickets.Values.OrderBy(t => t.Id);

    public Ticket? Comment(int id, string text, string author, string taskId) =>
        tickets.TryGetValue(id, out var ticket)
            ? tickets[id] = ticket with { Comments = [.. ticket.Comments, $"{author} ({taskId}): {text}"] }
            : null;
}

/// <summary>
/// This server's own identity (role <c>tool</c>) for the broker: <c>CredBroker:Verifier:IdentityTokenFile</c>
/// (read on every call, so a SPIRE agent can rotate it) or else the <c>CREDBROKER_TOKEN</c> environment variable.
/// </summary>
internal sealed class IdentityTokenSource(IConfiguration configuration)
{
    public async ValueTask<string> ReadAsync(CancellationToken cancellationToken)
    {
        if (configuration[CredBrokerVerifierOptions.Section + ":IdentityTokenFile"] is { Length: > 0 } file)
        {
            return (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
        }

        return configuration["CREDBROKER_TOKEN"] is { Length: > 0 } token
            ? token.Trim()
            : throw new InvalidOperationException("no identity token: set CredBroker:Verifier:IdentityTokenFile or CREDBROKER_TOKEN");
    }
}
