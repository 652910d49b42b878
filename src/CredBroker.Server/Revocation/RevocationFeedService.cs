using CredBroker.Core.Revocation;

namespace CredBroker.Server.Revocation;

/// <summary>Runs this replica's <see cref="RevocationFeed"/> for as long as the host runs.</summary>
public sealed class RevocationFeedService(RevocationFeed feed) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => feed.RunAsync(stoppingToken);
}
