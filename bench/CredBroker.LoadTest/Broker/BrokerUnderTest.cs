using System.Diagnostics;
using System.Net.Http.Json;
using CredBroker.Core.Identity;

namespace CredBroker.LoadTest.Broker;

/// <summary>
/// The broker a run drives: started here (in this process or a child process) or found at an
/// address. Mints the dev identity tokens it trusts and reads its per-status call counts.
/// </summary>
public sealed class BrokerUnderTest : IAsyncDisposable
{
    private readonly WebApplication? app;
    private readonly Process? child;
    private readonly string? ownedDirectory;
    private readonly DevIdentityIssuer identities;
    private readonly HttpClient http;

    private BrokerUnderTest(Uri address, DevIdentityIssuer identities, WebApplication? app, Process? child, string? ownedDirectory)
    {
        Address = address;
        this.identities = identities;
        this.app = app;
        this.child = child;
        this.ownedDirectory = ownedDirectory;
        http = new HttpClient { BaseAddress = address, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
    }

    public Uri Address { get; }

    /// <summary>The broker's own process, for its resident memory; this process when in-process, null when external.</summary>
    public int? ProcessId => child?.Id ?? (app is null ? null : Environment.ProcessId);

    public string Description { get; private init; } = string.Empty;

    /// <param name="redis">The Redis endpoint of the store; null for the in-memory store.</param>
    /// <param name="redisKeyPrefix">Keeps this broker's keys apart on a shared Redis; null for none.</param>
    public static async Task<BrokerUnderTest> StartAsync(LoadOptions options, string? redis, string? redisKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Broker == BrokerMode.External)
        {
            // The dev issuer key of a running broker lives in its key directory; trust goes no further.
            var external = new DevIdentityIssuer(options.KeyDirectory!, "credbroker", TimeProvider.System);
            return new BrokerUnderTest(options.Address!, external, null, null, null) { Description = "external broker at " + options.Address };
        }

        var directory = Directory.CreateTempSubdirectory("credbroker-bench-").FullName;
        // Created here first, so the broker loads this key rather than racing to create its own.
        var issuer = new DevIdentityIssuer(BenchBroker.KeyDirectory(directory), "credbroker", TimeProvider.System);
        var store = redis is null ? "memory" : "redis";
        var prefix = redisKeyPrefix;
        if (options.Broker == BrokerMode.InProcess)
        {
            var web = BenchBroker.Build(directory, store, redis, prefix);
            await web.StartAsync();
            return new BrokerUnderTest(BenchBroker.Address(web), issuer, web, null, directory) { Description = $"in-process broker, {store} store" };
        }

        var process = StartChild(directory, store, redis, prefix);
        var address = await ReadAddressAsync(process);
        return new BrokerUnderTest(address, issuer, null, process, directory) { Description = $"child-process broker (pid {process.Id}), {store} store" };
    }

    /// <summary>An identity token the broker accepts for <paramref name="spiffeId"/>, valid for two hours.</summary>
    public string IdentityToken(string spiffeId) => identities.Issue(spiffeId, TimeSpan.FromHours(2));

    /// <summary>Calls answered so far by method and status; null for an external broker, which does not count them.</summary>
    public async Task<Dictionary<string, long>?> ReadStatusAsync()
    {
        if (app is not null)
        {
            return app.Services.GetRequiredService<StatusCounter>().Snapshot();
        }

        return child is null ? null : await http.GetFromJsonAsync<Dictionary<string, long>>(BenchBroker.StatusPath);
    }

    /// <summary>Resident set size of the broker's process in bytes (VmRSS), or null when unknown.</summary>
    public long? ResidentBytes() => ProcessId is { } pid ? ProcessMemory.Resident(pid) : null;

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (child is not null)
        {
            child.StandardInput.Close();
            if (!child.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                child.Kill(entireProcessTree: true);
            }

            child.Dispose();
        }

        identities.Dispose();
        if (ownedDirectory is not null)
        {
            try
            {
                Directory.Delete(ownedDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }

    private static Process StartChild(string directory, string store, string? redis, string? prefix)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // Run as "dotnet CredBroker.LoadTest.dll" or as the apphost: the child is this same program.
        var self = Environment.ProcessPath!;
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BrokerUnderTest).Assembly.Location);
        }

        foreach (var arg in new[] { "broker", "--dir", directory, "--store", store })
        {
            start.ArgumentList.Add(arg);
        }

        if (redis is not null)
        {
            start.ArgumentList.Add("--redis");
            start.ArgumentList.Add(redis);
        }

        if (prefix is not null)
        {
            start.ArgumentList.Add("--prefix");
            start.ArgumentList.Add(prefix);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the broker process");
    }

    private static async Task<Uri> ReadAddressAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                // Keep draining its output so a chatty broker never blocks on a full pipe.
                _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                return new Uri(line["listening ".Length..]);
            }
        }

        throw new InvalidOperationException($"the broker process exited ({(process.HasExited ? process.ExitCode : -1)}) before it listened");
    }
}

/// <summary>Reads a process's memory from /proc (Linux).</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS of <paramref name="pid"/> in bytes; null where /proc is missing.</summary>
    public static long? Resident(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return null;
    }
}
