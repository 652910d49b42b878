using System.Security.Cryptography;
using CredBroker.Core.Policy;

namespace CredBroker.Server.Configuration;

/// <summary>
/// The policy read from the configured file, reloaded while the broker runs: a FileSystemWatcher
/// reacts at once, and a periodic hash check catches what watchers miss (network and overlay file
/// systems, editors that replace the file). A valid new policy takes effect for the next request;
/// an invalid one is refused, logged with its problems, and the old one stays in force. Replicas
/// reading the same file each reload it, so they agree. A file that does not load at start stops the broker.
/// </summary>
public sealed partial class PolicyFileSource : IPolicySource, IHostedService, IDisposable
{
    private readonly Lock gate = new();
    private readonly TimeSpan checkInterval;
    private readonly TimeProvider time;
    private readonly ILogger<PolicyFileSource> logger;
    private readonly TimeSpan startMaxTtl;
    private volatile BrokerPolicy current;
    private byte[] currentHash;
    private byte[]? refusedHash;
    private byte[]? suspectHash;
    private FileSystemWatcher? watcher;
    private ITimer? timer;

    /// <summary>Loads the file now; throws <see cref="PolicyLoadException"/> when it does not load.</summary>
    public PolicyFileSource(string path)
        : this(path, TimeSpan.FromSeconds(5), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<PolicyFileSource>.Instance)
    {
    }

    public PolicyFileSource(string path, TimeSpan checkInterval, TimeProvider time, ILogger<PolicyFileSource> logger)
    {
        Path = System.IO.Path.GetFullPath(path);
        this.checkInterval = checkInterval;
        this.time = time;
        this.logger = logger;
        var text = Read(Path);
        current = PolicyLoader.Parse(text, Path);
        currentHash = Hash(text);
        startMaxTtl = current.Limits.MaxTtl;
    }

    public string Path { get; }

    public BrokerPolicy Current => current;

    /// <summary>
    /// Raised after a changed file was taken into force (<see cref="PolicyChange.Accepted"/>) or refused for
    /// good, outside the reload lock; the audit trail listens (<see cref="PolicyReloadAudit"/>).
    /// </summary>
    public event Action<PolicyChange>? Changed;

    /// <summary>Reads the file and swaps the policy when it changed and loads; returns whether a new policy is in force.</summary>
    public bool Reload()
    {
        var reloaded = ReloadUnderLock(out var change);
        if (change is not null)
        {
            Changed?.Invoke(change);
        }

        return reloaded;
    }

    private bool ReloadUnderLock(out PolicyChange? change)
    {
        change = null;
        lock (gate)
        {
            string text;
            try
            {
                text = Read(Path);
            }
            catch (PolicyLoadException e)
            {
                // Mid-replace or briefly missing: the next event or check tries again.
                ServerLog.PolicyFileSourceUnreadable(logger, Path, e.Message);
                return false;
            }

            var hash = Hash(text);
            if (hash.AsSpan().SequenceEqual(currentHash))
            {
                suspectHash = null;
                return false;
            }

            if (refusedHash is not null && hash.AsSpan().SequenceEqual(refusedHash))
            {
                return false;
            }

            try
            {
                var policy = PolicyLoader.Parse(text, Path);
                if (policy.Limits.MaxTtl > startMaxTtl)
                {
                    // Signing keys stay published for the max TTL in force at start; a longer TTL could outlive its key.
                    throw new PolicyLoadException($"{Path}: limits.maxTtl may not grow above {DurationText.Format(startMaxTtl)} without a restart");
                }

                current = policy;
                currentHash = hash;
                refusedHash = null;
                ServerLog.PolicyFileSourceReloaded(logger, Path, policy.Tools.Count, policy.Workloads.Count);
                change = new PolicyChange(true, Path, Convert.ToHexStringLower(hash), $"{policy.Tools.Count} tools, {policy.Workloads.Count} workloads");
                return true;
            }
            catch (PolicyLoadException e)
            {
                if (suspectHash is null || !hash.AsSpan().SequenceEqual(suspectHash))
                {
                    // A file caught mid-write reads as invalid; refuse it only if it reads the same at the next look.
                    suspectHash = hash;
                    ServerLog.PolicyFileSourceUnsettled(logger, Path);
                    return false;
                }

                refusedHash = hash;
                ServerLog.PolicyFileSourceRefused(logger, Path, string.Join(Environment.NewLine, e.Problems));
                change = new PolicyChange(false, Path, Convert.ToHexStringLower(hash), string.Join("; ", e.Problems));
                return false;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        watcher = new FileSystemWatcher(directory, System.IO.Path.GetFileName(Path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Changed += (_, _) => Reload();
        watcher.Created += (_, _) => Reload();
        watcher.Renamed += (_, _) => Reload();
        watcher.EnableRaisingEvents = true;
        timer = time.CreateTimer(_ => Reload(), null, checkInterval, checkInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        watcher?.Dispose();
        timer?.Dispose();
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyLoadException($"{path}: cannot read: {e.Message}", e);
        }
    }

    private static byte[] Hash(string text) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));

}

/// <summary>A policy file change the broker took into force or refused.</summary>
/// <param name="Accepted">True when the new policy is in force; false when it was refused and the old one stays.</param>
/// <param name="Sha256">Hex SHA-256 of the file's text, to match the audit record with the file in version control.</param>
/// <param name="Detail">What is in it (accepted) or its problems (refused).</param>
public sealed record PolicyChange(bool Accepted, string Path, string Sha256, string Detail);

/// <summary>Registers the reloading policy source.</summary>
public static class PolicyFileRegistration
{
    /// <summary>Loads <paramref name="path"/> now (a bad file stops the build) and keeps it reloaded while the host runs.</summary>
    public static void AddPolicyFile(this WebApplicationBuilder builder, string path, TimeSpan checkInterval)
    {
        ArgumentNullException.ThrowIfNull(builder);
        _ = new PolicyFileSource(path);
        builder.Services.AddSingleton(sp => new PolicyFileSource(path, checkInterval, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PolicyFileSource>>()));
        builder.Services.AddSingleton<IPolicySource>(sp => sp.GetRequiredService<PolicyFileSource>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PolicyFileSource>());
        builder.Services.AddHostedService<PolicyReloadAudit>();
    }
}
