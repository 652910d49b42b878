using System.Collections.Concurrent;
using System.ComponentModel;
using CredBroker.Verifier.AspNetCore;
using ModelContextProtocol.Server;

namespace McpToolServer;

/// <summary>The MCP tools: a ticket desk. Which CredBroker tool each needs is <see cref="ToolScopes"/>'s.</summary>
[McpServerToolType]
public sealed class TicketTools(TicketDesk desk, IHttpContextAccessor http)
{
    public const string ListTickets = "list_tickets";
    public const string CommentTicket = "comment_ticket";

    [McpServerTool(Name = ListTickets), Description("Lists the open tickets.")]
    public string List() => string.Join('\n', desk.All().Select(t => $"#{t.Id} {t.Title} ({t.Comments.Count} comments)"));

    [McpServerTool(Name = CommentTicket), Description("Adds a comment to a ticket, signed by the calling workload and its task.")]
    public string Comment([Description("The ticket number")] int id, [Description("The comment")] string text)
    {
        var caller = http.HttpContext!.Features.Get<CredBrokerTokenFeature>()!.Claims;
        return desk.Comment(id, text, caller.Subject, caller.TaskId) is { } ticket
            ? $"#{ticket.Id} now has {ticket.Comments.Count} comments"
            : $"no ticket #{id}";
    }
}

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

public sealed record Ticket(int Id, string Title, IReadOnlyList<string> Comments);
