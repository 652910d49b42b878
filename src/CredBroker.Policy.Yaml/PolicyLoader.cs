using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

/// <summary>
/// Reads a policy file. Unknown keys are errors, not ignored: a misspelt limit must never
/// silently widen access. Every problem is reported with its line, all at once. Each section has
/// its reader (<c>Loading/PolicyReader.*.cs</c>).
/// </summary>
public static class PolicyLoader
{
    public static BrokerPolicy LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyLoadException($"{path}: cannot read: {e.Message}", e);
        }

        return Parse(text, path);
    }

    public static BrokerPolicy Parse(string yaml, string source = "policy")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // Line and column, as editors and compilers print them, so a newcomer lands on the typo.
            throw new PolicyLoadException($"{source}:{e.Start.Line}:{e.Start.Column}: {e.Message}", e);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PolicyLoadException($"{source}:1: a policy is one YAML mapping with keys limits, tools, workloads, roles");
        }

        var reader = new PolicyReader(source);
        var policy = reader.Read(root);
        return reader.Problems.Count > 0 ? throw new PolicyLoadException(reader.Problems) : policy;
    }
}
