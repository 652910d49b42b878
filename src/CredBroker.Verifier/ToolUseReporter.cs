using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CredBroker.Verifier;

/// <summary>
/// Puts what this tool server did with a token on the broker's audit trail (<c>VerifyService.RecordToolUse</c>),
/// against the grant the token is: its <c>jti</c>, with the token's task and workload as this server read them.
/// The broker looks the grant up itself and files the report under the grant's own task only when this server
/// serves the grant's audience; reports of a revoked token's use feed its anomaly rules.
/// </summary>
public sealed class ToolUseReporter
{
    private readonly BrokerConnection broker;
    private readonly TimeProvider time;
    private readonly ILogger<ToolUseReporter> logger;

    internal ToolUseReporter(BrokerConnection broker, TimeProvider time, ILogger<ToolUseReporter> logger)
    {
        this.broker = broker;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>How long one report may take before it is given up (and logged).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    /// <summary>Reports one use of <paramref name="token"/>'s grant.</summary>
    /// <param name="tool">The CredBroker tool used (or refused), as policy names it.</param>
    /// <param name="action">What was done with it, e.g. <c>tools/call list_tickets</c>.</param>
    /// <param name="outcome">One of <see cref="ToolUseOutcomes"/>, or any lower_snake_case word.</param>
    /// <returns>False when the broker did not take the report (unreachable, or it refused it); the reason is logged.</returns>
    public async Task<bool> ReportAsync(AccessTokenClaims token, string tool, string action, string outcome, string? detail = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        var request = new RecordToolUseRequest
        {
            GrantId = token.JwtId,
            Tool = tool,
            Action = action,
            Outcome = outcome,
            Detail = detail ?? string.Empty,
            TaskId = token.TaskId,
            WorkloadId = token.Subject,
        };
        try
        {
            var call = await broker.CallOptionsAsync(time.GetUtcNow().UtcDateTime + Deadline, cancellationToken).ConfigureAwait(false);
            await broker.Verify.RecordToolUseAsync(request, call).ConfigureAwait(false);
            return true;
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            VerifierLog.ToolUseNotRecorded(logger, token.JwtId, outcome, e.StatusCode, e.Status.Detail);
            return false;
        }
    }
}

/// <summary>The outcomes a tool server reports; the broker's anomaly rules count the <c>rejected_*</c> ones.</summary>
public static class ToolUseOutcomes
{
    /// <summary>The call was let through.</summary>
    public const string Ok = "ok";

    /// <summary>The token is live but does not grant the tool (403 <c>insufficient_scope</c>).</summary>
    public const string Denied = "denied";

    /// <summary>The token was revoked (or the broker said it is no longer active).</summary>
    public const string RejectedRevoked = "rejected_revoked";

    /// <summary>
    /// The outcome to report for a refused <paramref name="verification"/> that names a grant; null when there is nothing
    /// to report: a token that did not verify names no grant anybody vouches for, and a stale view says nothing about the token.
    /// </summary>
    public static string? Of(TokenVerification verification)
    {
        ArgumentNullException.ThrowIfNull(verification);
        return verification.RefusedClaims is null ? null : verification.Failure switch
        {
            TokenFailure.ToolNotInScope => Denied,
            TokenFailure.Revoked or TokenFailure.Inactive => RejectedRevoked,
            _ => null,
        };
    }
}
