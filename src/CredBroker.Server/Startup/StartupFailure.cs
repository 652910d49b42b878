using System.Net.Sockets;
using CredBroker.Core;
using CredBroker.Core.Policy;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Startup;

/// <summary>
/// Why the broker could not start, as one line a person can act on and an exit code a script can branch on.
/// </summary>
public sealed record StartupFailure(int ExitCode, string Message)
{
    /// <summary>The configuration is wrong (a setting, the policy file, an unsafe Redis): change it and start again.</summary>
    public const int Configuration = 2;

    /// <summary>Something the broker needs is not available now (the port is taken): retrying may help.</summary>
    public const int Unavailable = 3;

    /// <summary>Anything else; the message says to run with --verbose for the details.</summary>
    public const int Unexpected = 1;

    /// <summary>The failure <paramref name="exception"/> stands for, named by what the user can change.</summary>
    public static StartupFailure From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var e = Unwrap(exception);
        return e switch
        {
            PolicyLoadException policy => new(Configuration, $"policy file: {OneLine(policy.Message)} (check it with: credbroker-server policy check <file>)"),
            OptionsValidationException options => new(Configuration, string.Join("; ", options.Failures.Select(OneLine))),
            BrokerConfigurationException configuration => new(Configuration, OneLine(configuration.Message)),
            IOException { InnerException: AddressInUseException } bind => new(Unavailable, $"{OneLine(bind.Message)} Another process holds the port: stop it, or choose other ports with --urls (gRPC) and --CredBroker:HttpUrl (JWKS, metadata, health)"),
            IOException { InnerException: SocketException } bind => new(Configuration, $"{OneLine(bind.Message)} Choose other addresses with --urls (gRPC) and --CredBroker:HttpUrl"),
            FileNotFoundException file => new(Configuration, $"{OneLine(file.Message)} Check the file settings (CredBroker:Tls, CredBroker:Identity:Issuers)"),
            _ => new(Unexpected, $"{e.GetType().Name}: {OneLine(e.Message)} (run with --verbose for the details)"),
        };
    }

    /// <summary>The host wraps what failed in its start; the cause is what the user must see.</summary>
    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } single:
                    e = single.InnerExceptions[0];
                    break;
                case AggregateException many:
                    // Several hosted services failed; the first is enough to act on.
                    e = many.InnerExceptions[0];
                    break;
                case System.Reflection.TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    break;
                default:
                    return e;
            }
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
