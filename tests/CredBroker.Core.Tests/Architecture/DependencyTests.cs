using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;
using CredBroker.Testing.Processes;

namespace CredBroker.Core.Tests.Architecture;

/// <summary>
/// Parts by dependency direction: Core (the domain) and what a tool server embeds (CredBroker.Tokens, CredBroker.Verifier)
/// take no YAML reader, web stack or Redis client; the Verifier needs the token contract, not the broker; and the CLI
/// talks to a broker without carrying one. Each is checked twice: in what restore resolved for the project (every
/// project and package, transitively, plus framework references and the Web SDK) and in the built assembly's
/// references, followed transitively, so neither a csproj line nor a reference that comes in through a package slips past.
/// </summary>
public sealed class DependencyTests
{
    private static readonly string[] Heavy = ["YamlDotNet", "Microsoft.AspNetCore", "Grpc.AspNetCore", "StackExchange.Redis"];

    /// <summary>The broker's parts a tool server must never receive through the Verifier.</summary>
    private static readonly string[] BrokerParts = ["CredBroker.Core", "CredBroker.Identity", "CredBroker.Policy.Yaml", "CredBroker.Redis", "CredBroker.Server"];

    /// <summary>What the CLI, a client of the broker, must not contain.</summary>
    private static readonly string[] HostParts = ["CredBroker.Server", "CredBroker.Redis", "CredBroker.Identity"];

    [TestCase("CredBroker.Core")]
    [TestCase("CredBroker.Tokens")]
    [TestCase("CredBroker.Verifier")]
    public void The_domain_and_the_verifier_reference_no_YAML_reader_web_stack_or_Redis_client(string project)
    {
        Assert.That(ProjectClosure(project).Where(d => Matches(d, Heavy)), Is.Empty, $"{project}'s projects and packages");
        Assert.That(AssemblyClosure(project).Where(d => Matches(d, Heavy)), Is.Empty, $"{project}'s assembly references");
    }

    [Test]
    public void The_verifier_depends_on_the_token_contract_not_on_the_broker()
    {
        Assert.That(ProjectClosure("CredBroker.Verifier"), Does.Contain("CredBroker.Tokens"));
        Assert.That(ProjectClosure("CredBroker.Verifier").Where(d => BrokerParts.Contains(d, StringComparer.OrdinalIgnoreCase)), Is.Empty);
        Assert.That(AssemblyClosure("CredBroker.Verifier").Where(d => BrokerParts.Contains(d, StringComparer.OrdinalIgnoreCase)), Is.Empty);
    }

    [Test]
    public void The_cli_references_neither_the_server_nor_Redis_nor_a_web_stack()
    {
        string[] forbidden = [.. HostParts, "Microsoft.AspNetCore", "Grpc.AspNetCore", "StackExchange.Redis"];
        Assert.That(ProjectClosure("CredBroker.Cli").Where(d => Matches(d, forbidden)), Is.Empty, "credbroker's projects and packages");
        Assert.That(AssemblyClosure("credbroker").Where(d => Matches(d, forbidden)), Is.Empty, "credbroker's assembly references");
    }

    [Test]
    public void The_cli_references_the_client_and_nothing_else_of_ours()
    {
        // A project of ours reaches credbroker only through CredBroker.Client: the offline policy commands live in the
        // broker's executable, audit verification and durations in CredBroker.Tokens, which the Client references.
        Assert.That(DirectProjectReferences("CredBroker.Cli"), Is.EqualTo(new[] { "CredBroker.Client" }), "credbroker's project references");
        string[] client = ["CredBroker.Client", .. Ours(ProjectClosure("CredBroker.Client"))];
        Assert.That(Ours(ProjectClosure("CredBroker.Cli")), Is.SubsetOf(client), "credbroker's projects, transitively");
        Assert.That(Ours(AssemblyClosure("credbroker")), Is.SubsetOf(client), "credbroker's assembly references");
        Assert.That(client, Has.None.EqualTo("CredBroker.Core").And.None.EqualTo("CredBroker.Policy.Yaml"), "the Client's own closure");
    }

    private static IEnumerable<string> Ours(IEnumerable<string> dependencies) =>
        dependencies.Where(d => d.StartsWith("CredBroker.", StringComparison.OrdinalIgnoreCase));

    private static string[] DirectProjectReferences(string project)
    {
        var file = Path.Combine(Credbroker.RepositoryRoot(), "src", project, project + ".csproj");
        return [.. XDocument.Load(file).Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!))];
    }

    private static bool Matches(string dependency, string[] names) =>
        names.Any(n => dependency.Equals(n, StringComparison.OrdinalIgnoreCase) || dependency.StartsWith(n + ".", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Every project and package restore resolved for <paramref name="project"/> (obj/project.assets.json, transitive),
    /// and the frameworks it or a project it references asks for (FrameworkReference, the Web SDK's ASP.NET Core).
    /// </summary>
    private static SortedSet<string> ProjectClosure(string project)
    {
        var src = Path.Combine(Credbroker.RepositoryRoot(), "src");
        var found = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        var assets = Path.Combine(src, project, "obj", "project.assets.json");
        Assert.That(File.Exists(assets), Is.True, $"{assets} (the project is restored before its tests run)");
        using (var json = JsonDocument.Parse(File.ReadAllText(assets)))
        {
            foreach (var library in json.RootElement.GetProperty("libraries").EnumerateObject())
            {
                found.Add(library.Name[..library.Name.IndexOf('/', StringComparison.Ordinal)]);
            }
        }

        var pending = new Stack<string>([Path.Combine(src, project, project + ".csproj")]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var file))
        {
            if (!seen.Add(Path.GetFullPath(file)))
            {
                continue;
            }

            var xml = XDocument.Load(file);
            if ((string?)xml.Root?.Attribute("Sdk") == "Microsoft.NET.Sdk.Web")
            {
                found.Add("Microsoft.AspNetCore.App");
            }

            foreach (var item in xml.Descendants())
            {
                var include = (string?)item.Attribute("Include");
                switch (item.Name.LocalName)
                {
                    case "FrameworkReference" when include is not null:
                        found.Add(include);
                        break;
                    case "ProjectReference" when include is not null:
                        found.Add(Path.GetFileNameWithoutExtension(include));
                        pending.Push(Path.Combine(Path.GetDirectoryName(file)!, include));
                        break;
                }
            }
        }

        return found;
    }

    /// <summary>The names of every assembly <paramref name="assembly"/> references, followed transitively (framework assemblies are not followed).</summary>
    private static SortedSet<string> AssemblyClosure(string assembly)
    {
        var found = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<AssemblyName>([new AssemblyName(assembly)]);
        while (pending.TryPop(out var name))
        {
            if (!found.Add(name.Name!) || IsFramework(name.Name!) || Matches(name.Name!, Heavy))
            {
                continue;
            }

            foreach (var reference in Assembly.Load(name).GetReferencedAssemblies())
            {
                pending.Push(reference);
            }
        }

        found.Remove(assembly);
        return found;
    }

    private static bool IsFramework(string name) =>
        name is "mscorlib" or "netstandard" || name.StartsWith("System", StringComparison.Ordinal) || name.StartsWith("Microsoft.Win32", StringComparison.Ordinal);
}
