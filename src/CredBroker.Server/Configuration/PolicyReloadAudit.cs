using CredBroker.Core.Audit;

namespace CredBroker.Server.Configuration;

/// <summary>
/// Appends one audit event per policy reload, taken or refused (invariant 6): who changed what access is
/// as much a decision as a grant. The reload has already happened when the event is written, so a failed
/// append is logged, not undone.
/// </summary>
public sealed partial class PolicyReloadAudit(PolicyFileSource source, AuditLog audit, ILogger<PolicyReloadAudit> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        source.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        source.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(PolicyChange change) => _ = AppendAsync(change);

    private async Task AppendAsync(PolicyChange change)
    {
        var entry = new AuditEntry(
            change.Accepted ? AuditKinds.PolicyReloaded : AuditKinds.PolicyReloadRefused,
            change.Accepted ? "reloaded" : "refused")
        {
            Reason = change.Accepted ? string.Empty : change.Detail,
            Evidence = new Dictionary<string, string>
            {
                ["path"] = change.Path,
                ["sha256"] = change.Sha256,
                ["content"] = change.Accepted ? change.Detail : string.Empty,
            },
        };
        try
        {
            if (await audit.TryAppendAsync(entry, CancellationToken.None) is null)
            {
                ServerLog.PolicyReloadAuditNotAudited(logger, change.Path, entry.Kind);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ServerLog.PolicyReloadAuditNotAudited(logger, change.Path, entry.Kind);
        }
    }
}
