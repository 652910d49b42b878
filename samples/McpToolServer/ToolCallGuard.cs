using CredBroker.Verifier;
using CredBroker.Verifier.AspNetCore;
using Microsoft.AspNetCore.Authentication;

namespace McpToolServer;

/// <summary>
/// Runs on <c>/mcp</c> after authentication and before authorization. A <c>tools/call</c> whose token lacks the
/// tool's scope is answered 403 <c>insufficient_scope</c> naming it (RFC 6750 section 3.1, the MCP authorization
/// spec's step-up) before the MCP server runs anything. Every decision on a tool call is put on the broker's audit
/// trail first: let through (<c>ok</c>), <c>denied</c>, or refused for a revoked token, which still names its grant.
/// Reporting is best effort: a report the broker does not take is logged by the reporter, and the call goes on.
/// </summary>
public static class ToolCallGuard
{
    public static async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (await ToolScopes.ReadToolCallAsync(http.Request) is not { } tool || !ToolScopes.ByMcpTool.TryGetValue(tool, out var scope))
        {
            await next(http);
            return;
        }

        var reporter = http.RequestServices.GetRequiredService<ToolUseReporter>();
        var action = $"tools/call {tool}";
        if (http.Features.Get<CredBrokerTokenFeature>() is not { Claims: var token })
        {
            // No valid token: authorization answers 401 next. A revoked one was still signed for this server, so its grant hears of it.
            if (CredBrokerTokenHandler.Verification(http) is { RefusedClaims: { } refused } verification && ToolUseOutcomes.Of(verification) is { } outcome)
            {
                await reporter.ReportAsync(refused, scope, action, outcome, verification.Message, http.RequestAborted);
            }

            await next(http);
            return;
        }

        if (!token.Scope.Contains(scope, StringComparer.Ordinal))
        {
            await reporter.ReportAsync(token, scope, action, ToolUseOutcomes.Denied, "insufficient_scope", http.RequestAborted);
            CredBrokerToolHandler.Missing(http).Add(scope);
            await http.ForbidAsync(CredBrokerTokenDefaults.AuthenticationScheme);
            return;
        }

        await reporter.ReportAsync(token, scope, action, ToolUseOutcomes.Ok, cancellationToken: http.RequestAborted);
        await next(http);
    }
}
