using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using CredBroker.Core;
using CredBroker.Core.Audit;
using CredBroker.Core.Identity;
using CredBroker.Core.SigningKeys;
using CredBroker.Core.Storage;
using CredBroker.Server.Configuration;
using CredBroker.Verifier;

namespace CredBroker.Server.Tests.Configuration;

/// <summary>
/// One name per setting: every <c>CredBroker:…</c> key that a message in the code or the README names is a key
/// the options actually bind, so a person who copies it from an error or the docs sets something real.
/// </summary>
public sealed partial class SettingNamesTests
{
    /// <summary>Each configuration section and the options types bound to it.</summary>
    private static readonly (string Section, Type[] Types)[] Sections =
    [
        ("CredBroker", [typeof(BrokerOptions), typeof(ServerOptions), typeof(CredBroker.Redis.RedisStoreOptions)]),
        ("CredBroker:Keys", [typeof(SigningKeyOptions)]),
        ("CredBroker:Storage", [typeof(StoreOptions)]),
        ("CredBroker:Audit", [typeof(AuditOptions), typeof(CredBroker.Redis.RedisAuditOptions)]),
        (ConnectionLimitOptions.Section, [typeof(ConnectionLimitOptions)]),
        ("CredBroker:" + CredBroker.Core.Grants.RefusalLimitOptions.Section, [typeof(CredBroker.Core.Grants.RefusalLimitOptions)]),
        (IdentityOptions.Section, [typeof(IdentityOptions)]),
        (TlsOptions.Section, [typeof(TlsOptions)]),
        (CredBrokerVerifierOptions.Section, [typeof(CredBrokerVerifierOptions)]),
        ("CredBroker:Verifier:Grpc", [typeof(CredBroker.Verifier.Grpc.CredBrokerGrpcOptions)]),
        // The section the README binds the Client library's options from (AddCredBrokerClient(section)).
        ("CredBroker:Client", [typeof(CredBroker.Client.CredBrokerClientOptions)]),
    ];

    [Test]
    public void Every_setting_named_in_a_message_of_the_code_exists()
    {
        var named = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => StringLiteral().Matches(File.ReadAllText(f)).SelectMany(m => Setting().Matches(m.Value)).Select(k => (File: Path.GetFileName(f), Key: k.Value)))
            .ToList();

        Assert.That(named, Has.Count.GreaterThan(20), "the scan found the messages");
        Assert.That(named.Where(n => !Exists(n.Key)).Select(n => $"{n.File}: {n.Key}"), Is.Empty);
    }

    [Test]
    public void Every_setting_the_README_names_exists()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var named = Setting().Matches(text).Select(m => m.Value)
            .Concat(EnvironmentSetting().Matches(text).Select(m => m.Value.Replace("__", ":", StringComparison.Ordinal)))
            .Distinct()
            .ToList();

        Assert.That(named, Has.Count.GreaterThan(20), "the scan found the configuration table");
        Assert.That(named.Where(k => !Exists(k)), Is.Empty);
    }

    [TestCase("CredBroker:Store:RevokedTaskRetention", false)]
    [TestCase("CredBroker:Redis:Configuration", false)]
    [TestCase("CredBroker:Storage:RevokedTaskRetention", true)]
    [TestCase("CredBroker:Identity:Issuers:N:TrustDomains:K", true)]
    [TestCase("CredBroker:Redis", true)]
    public void The_check_tells_real_keys_from_made_up_ones(string key, bool exists) => Assert.That(Exists(key), Is.EqualTo(exists));

    /// <summary>Whether <paramref name="key"/> is a section or a property path under one (N, K: a list index).</summary>
    private static bool Exists(string key)
    {
        var trimmed = key.TrimEnd(':');
        foreach (var (section, types) in Sections)
        {
            if (string.Equals(trimmed, section, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (trimmed.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase)
                && types.Any(t => Resolves(t, trimmed[(section.Length + 1)..].Split(':'))))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Resolves(Type type, string[] path)
    {
        if (path.Length == 0)
        {
            return true;
        }

        if (ElementType(type) is { } element)
        {
            return (path[0] is "N" or "K" || int.TryParse(path[0], out _)) && Resolves(element, path[1..]);
        }

        // The binder's name for a property: its [ConfigurationKeyName], else its own.
        var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => string.Equals(p.GetCustomAttribute<Microsoft.Extensions.Configuration.ConfigurationKeyNameAttribute>()?.Name ?? p.Name, path[0], StringComparison.OrdinalIgnoreCase));
        return property is not null && Resolves(property.PropertyType, path[1..]);
    }

    private static Type? ElementType(Type type) =>
        type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type)
            ? null
            : type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"CredBroker(?::[A-Za-z0-9]+)+")]
    private static partial Regex Setting();

    [GeneratedRegex(@"CredBroker(?:__[A-Za-z0-9]+)+")]
    private static partial Regex EnvironmentSetting();
}

/// <summary>The repository these tests were built from.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CredBroker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the tests run outside the repository");
    }
}
