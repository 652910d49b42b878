using System.CommandLine;
using CredBroker.Cli.Output;
using CredBroker.Client;

namespace CredBroker.Cli;

/// <summary>
/// Connection and output settings every command takes, from flags or the environment. Flags win
/// over the environment so a one-off command can point elsewhere without unsetting anything.
/// </summary>
public static class GlobalOptions
{
    public const string DefaultAddress = "http://127.0.0.1:5080";
    public const string AddressVariable = "CREDBROKER_ADDRESS";
    public const string TokenVariable = "CREDBROKER_TOKEN";
    public const string TokenFileVariable = "CREDBROKER_TOKEN_FILE";

    public static readonly Option<string> Address = new("--address")
    {
        Description = $"The broker's gRPC address; https uses TLS [env: {AddressVariable}]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(AddressVariable) is { Length: > 0 } fromEnv ? fromEnv : DefaultAddress,
        Recursive = true,
    };

    // A flag's value shows in the process list to other users of the machine; the help says so.
    public static readonly Option<string?> Token = new("--token")
    {
        Description = $"Your identity token (SPIFFE JWT-SVID or OIDC). Prefer {TokenVariable} or --token-file: other users can see flags in the process list [env: {TokenVariable}]",
        Recursive = true,
    };

    public static readonly Option<string?> TokenFile = new("--token-file")
    {
        Description = $"A file holding your identity token [env: {TokenFileVariable}]",
        Recursive = true,
    };

    public static readonly Option<string?> Output = CreateOutput();

    public static readonly Option<bool> AllowCleartext = new("--allow-cleartext")
    {
        Description = "Allow an http address that is not loopback (your identity token then travels unencrypted)",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Address, Token, TokenFile, Output, AllowCleartext];

    /// <summary>The output format asked for, or null when none was, so each command can pick its own default.</summary>
    public static OutputFormat? FormatOf(ParseResult parse) => parse.GetValue(Output) switch
    {
        "json" => OutputFormat.Json,
        "table" => OutputFormat.Table,
        _ => null,
    };

    /// <summary>Client options from the flags and environment; a missing or doubled identity is a usage error.</summary>
    public static CredBrokerClientOptions ClientOptions(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var text = parse.GetValue(Address) ?? DefaultAddress;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--address: '{text}' is not an http or https URL, e.g. {DefaultAddress}");
        }

        var options = new CredBrokerClientOptions { Address = address, AllowCleartext = parse.GetValue(AllowCleartext) };
        var token = parse.GetValue(Token);
        var tokenFile = parse.GetValue(TokenFile);
        if (token is not null && tokenFile is not null)
        {
            throw new UsageException("pass --token or --token-file, not both");
        }

        if (token is null && tokenFile is null)
        {
            token = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } envToken ? envToken : null;
            tokenFile = token is null && Environment.GetEnvironmentVariable(TokenFileVariable) is { Length: > 0 } envFile ? envFile : null;
        }

        if (token is null && tokenFile is null)
        {
            throw new UsageException($"no identity token: pass --token or --token-file, or set {TokenVariable}");
        }

        if (token is not null)
        {
            options.IdentityToken = token.Trim();
        }
        else
        {
            options.IdentityTokenFile = tokenFile;
        }

        return options;
    }

    private static Option<string?> CreateOutput()
    {
        var option = new Option<string?>("--output", "-o")
        {
            Description = "table (for people) or json (for scripts). Default: table; grant request prints the bare token unless asked",
            Recursive = true,
            HelpName = "table|json",
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }
}
