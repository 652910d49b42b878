using System.Globalization;
using CredBroker.Core.Policy;

namespace CredBroker.LoadTest;

public enum Engine
{
    /// <summary>nghttp2's h2load with a prebuilt request body: about a fifth of the .NET client's CPU per call.</summary>
    H2load,
    /// <summary>The generated .NET client: every call checked, any scenario.</summary>
    Dotnet,
}

public enum BrokerMode
{
    /// <summary>BrokerHost in this process.</summary>
    InProcess,
    /// <summary>BrokerHost in a child process (this executable, verb <c>broker</c>), so its memory is its own.</summary>
    Process,
    /// <summary>A broker already running at <see cref="LoadOptions.Address"/>.</summary>
    External,
}

/// <summary>The command line of one load run: <c>CredBroker.LoadTest &lt;scenario&gt; [options]</c>.</summary>
public sealed record LoadOptions
{
    public const string Usage = """
        usage: CredBroker.LoadTest <scenario> [options]
          scenarios: ceiling | request-grant | token-endpoint | introspect | task-churn | mixed | scale
          --store memory|redis     broker store (default memory); redis starts a redis-server (appendfsync always) unless --redis is given
          --redis HOST:PORT        use this Redis instead of starting one
          --engine h2load|dotnet   load engine (default: h2load for ceiling, request-grant, introspect; dotnet otherwise)
          --concurrency N          calls in flight (default 64)
          --connections N          HTTP/2 connections (default 4)
          --duration 10s           measured time per run (default 10s)
          --warmup 3s              unmeasured time before it (default 3s)
          --grants N               task-churn: grants per task (default 5)
          --broker inproc|process  start the broker in this process (default) or a child process
          --address URL            drive a running broker instead (its dev identity key directory: --keys DIR)
          --keys DIR               dev identity key directory of the broker at --address
          --json FILE              also write the results as JSON
          --no-ceiling             skip the health Check ceiling run
          scale only: --grants-total N (default 1000000), --trials N (default 100), --big-task N (default 10000)
        """;

    public required string Scenario { get; init; }

    public string Store { get; init; } = "memory";

    public string? Redis { get; init; }

    public Engine Engine { get; init; }

    public int Concurrency { get; init; } = 64;

    public int Connections { get; init; } = 4;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    public int GrantsPerTask { get; init; } = 5;

    public BrokerMode Broker { get; init; } = BrokerMode.InProcess;

    public Uri? Address { get; init; }

    public string? KeyDirectory { get; init; }

    public string? JsonFile { get; init; }

    public bool Ceiling { get; init; } = true;

    public int TotalGrants { get; init; } = 1_000_000;

    public int Trials { get; init; } = 100;

    public int BigTask { get; init; } = 10_000;

    public static readonly string[] Scenarios = ["ceiling", "request-grant", "token-endpoint", "introspect", "task-churn", "mixed", "scale"];

    /// <summary>Scenarios whose request body never changes, so h2load can repeat it.</summary>
    public static bool FixedBody(string scenario) => scenario is "ceiling" or "request-grant" or "introspect";

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || !Scenarios.Contains(args[0]))
        {
            throw new ArgumentException($"first argument must be a scenario: {string.Join(", ", Scenarios)}");
        }

        var options = new LoadOptions { Scenario = args[0] };
        Engine? engine = null;
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--no-ceiling")
            {
                options = options with { Ceiling = false };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name}: needs a value");
            }

            var value = args[++i];
            options = name switch
            {
                "--store" => options with { Store = value is "memory" or "redis" ? value : throw new ArgumentException("--store: must be memory or redis") },
                "--redis" => options with { Redis = value },
                "--concurrency" => options with { Concurrency = Positive(name, value) },
                "--connections" => options with { Connections = Positive(name, value) },
                "--duration" => options with { Duration = ParseDuration(name, value) },
                "--warmup" => options with { Warmup = ParseDuration(name, value, allowZero: true) },
                "--grants" => options with { GrantsPerTask = Positive(name, value) },
                "--grants-total" => options with { TotalGrants = Positive(name, value) },
                "--trials" => options with { Trials = Positive(name, value) },
                "--big-task" => options with { BigTask = Positive(name, value) },
                "--json" => options with { JsonFile = value },
                "--keys" => options with { KeyDirectory = value },
                "--address" => options with { Address = Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : throw new ArgumentException("--address: must be an absolute URL, e.g. http://127.0.0.1:5080"), Broker = BrokerMode.External },
                "--broker" => options with { Broker = value switch { "inproc" => BrokerMode.InProcess, "process" => BrokerMode.Process, _ => throw new ArgumentException("--broker: must be inproc or process") } },
                "--engine" => SetEngine(options, value, out engine),
                _ => throw new ArgumentException($"{name}: unknown option"),
            };
        }

        engine ??= FixedBody(options.Scenario) ? Engine.H2load : Engine.Dotnet;
        if (engine == Engine.H2load && !FixedBody(options.Scenario) && options.Scenario != "scale")
        {
            throw new ArgumentException($"--engine: h2load repeats one request body, which {options.Scenario} cannot use; use --engine dotnet");
        }

        if (options.Connections > options.Concurrency)
        {
            throw new ArgumentException("--connections: must not exceed --concurrency");
        }

        if (options.Broker == BrokerMode.External && options.KeyDirectory is null)
        {
            throw new ArgumentException("--keys: required with --address, to mint dev identities the broker trusts");
        }

        return options with { Engine = engine.Value };
    }

    private static LoadOptions SetEngine(LoadOptions options, string value, out Engine? engine)
    {
        engine = value switch
        {
            "h2load" => LoadTest.Engine.H2load,
            "dotnet" => LoadTest.Engine.Dotnet,
            _ => throw new ArgumentException("--engine: must be h2load or dotnet"),
        };
        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name}: must be a positive whole number");

    private static TimeSpan ParseDuration(string name, string value, bool allowZero = false) =>
        DurationText.TryParse(value, out var d) && (d > TimeSpan.Zero || (allowZero && d == TimeSpan.Zero))
            ? d
            : throw new ArgumentException($"{name}: must be a duration such as 10s or 1m");
}
