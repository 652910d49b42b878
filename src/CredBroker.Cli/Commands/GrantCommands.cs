using System.CommandLine;
using CredBroker.Cli.Output;
using CredBroker.Client;
using CredBroker.Core.Policy;

namespace CredBroker.Cli.Commands;

/// <summary><c>grant request</c> and <c>grant release</c>: what an agent (or a person standing in for one) does.</summary>
public static class GrantCommands
{
    public static Command Create()
    {
        var command = new Command("grant", "Request and release grants (role: agent); list live grants (role: operator)")
        {
            Request(),
            Release(),
            List(),
        };
        command.Aliases.Add("grants");
        return command;
    }

    private static Command List()
    {
        var task = new Option<string?>("--task") { Description = "Only grants of this task" };
        var workload = new Option<string?>("--workload") { Description = "Only grants of this workload (SPIFFE ID)" };
        var tool = new Option<string?>("--tool") { Description = "Only grants that include this tool" };
        var command = new Command("list", "Live grants (unexpired, not revoked), soonest to expire first (role: operator)") { task, workload, tool };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var grants = await client.ListGrantsAsync(parse.GetValue(task), parse.GetValue(workload), parse.GetValue(tool), cancellationToken).ConfigureAwait(false);
            IReadOnlyList<(string, object?)> Row(ListedGrant g) =>
            [
                ("grant_id", g.GrantId), ("task_id", g.TaskId), ("workload_id", g.WorkloadId), ("tools", g.Tools),
                ("purpose", g.Purpose), ("owner", g.Owner), ("audience", g.Audience), ("issued_at", g.IssuedAt), ("expires_at", g.ExpiresAt),
            ];
            if (GlobalOptions.FormatOf(parse) == OutputFormat.Json)
            {
                Printer.WriteRows(output, OutputFormat.Json, grants.Select(Row).ToList());
            }
            else if (grants.Count == 0)
            {
                await output.WriteLineAsync("no live grants").ConfigureAwait(false);
            }
            else
            {
                foreach (var g in grants)
                {
                    await output.WriteLineAsync($"{g.GrantId}  {g.TaskId}  {g.WorkloadId}  {string.Join(' ', g.Tools)}  expires {g.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}").ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Request()
    {
        var task = new Option<string>("--task") { Description = "The task the access is for", Required = true };
        var tools = new Option<string[]>("--tool") { Description = "A tool to grant; repeat for several (all are granted or none)", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "Why access is needed, in words an auditor can read", Required = true };
        var ttl = new Option<TimeSpan?>("--ttl")
        {
            Description = "Requested lifetime such as 30s, 5m or 1h; the broker may shorten it. Default: the policy's",
            HelpName = "duration",
            CustomParser = Parse.Duration,
        };
        var command = new Command("request", "Ask for a token for tools of one task. Prints the token alone unless --output is given")
        {
            task, tools, purpose, ttl,
        };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var request = new GrantRequest(parse.GetRequiredValue(task), parse.GetRequiredValue(purpose), parse.GetRequiredValue(tools)) { Ttl = parse.GetValue(ttl) };
            var grant = await client.RequestGrantAsync(request, cancellationToken).ConfigureAwait(false);
            var granted = grant.ExpiresAt - grant.IssuedAt;
            if (request.Ttl is { } asked && granted < asked)
            {
                // On stderr, so TOKEN=$(...) still captures the token alone; the reply carries the TTL granted.
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"notice: granted for {DurationText.Format(granted)}, not the {DurationText.Format(asked)} asked for (a policy, task or global limit is shorter)").ConfigureAwait(false);
            }

            if (GlobalOptions.FormatOf(parse) is { } format)
            {
                Printer.Write(output, format, Fields(grant));
            }
            else
            {
                // Alone on its line, so TOKEN=$(credbroker grant request ...) just works.
                await output.WriteLineAsync(grant.AccessToken).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Release()
    {
        var grantId = new Argument<string>("grant-id") { Description = "The grant to hand back (its token's jti)" };
        var command = new Command("release", "Hand one of your grants back early; its token is inactive at once") { grantId };
        BrokerAction.Set(command, async (parse, client, output, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(grantId);
            var releasedAt = await client.ReleaseGrantAsync(id, cancellationToken).ConfigureAwait(false);
            Printer.Write(output, GlobalOptions.FormatOf(parse) ?? OutputFormat.Table, [("grant_id", id), ("released_at", releasedAt)]);
            return ExitCodes.Success;
        });
        return command;
    }

    private static IReadOnlyList<(string, object?)> Fields(BrokerGrant grant) =>
    [
        ("grant_id", grant.GrantId),
        ("task_id", grant.TaskId),
        ("workload_id", grant.WorkloadId),
        ("tools", grant.Tools),
        ("scope", grant.Scope),
        ("audience", grant.Audience),
        ("issued_at", grant.IssuedAt),
        ("expires_at", grant.ExpiresAt),
        ("access_token", grant.AccessToken),
    ];
}
