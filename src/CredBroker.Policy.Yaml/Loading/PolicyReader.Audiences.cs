using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

/// <summary>
/// The <c>audiences:</c> section: a mapping from each audience to the tool-server identities that serve it,
/// <c>https://tickets.example.com: { servers: [spiffe://example.com/tools/tickets] }</c>. It is what lets a
/// tool server introspect and report on its own tokens and no one else's.
/// </summary>
internal sealed partial class PolicyReader
{
    private Dictionary<string, AudienceDefinition> ReadAudiences(YamlNode node)
    {
        var audiences = new Dictionary<string, AudienceDefinition>(StringComparer.Ordinal);
        if (node is not YamlMappingNode map)
        {
            Problem(node, "audiences: expected a mapping from each audience to its servers");
            return audiences;
        }

        foreach (var (key, value) in map.Children)
        {
            if (Scalar(key, "audiences") is not { Length: > 0 } audience)
            {
                continue;
            }

            List<IdPattern> servers = [];
            foreach (var (_, list) in Entries(value, "servers"))
            {
                servers = ReadIds(list, $"audiences.{audience}.servers");
            }

            if (servers.Count == 0)
            {
                Problem(value, $"audiences: '{audience}' needs servers, the tool-server identities that host it");
                continue;
            }

            audiences[audience] = new AudienceDefinition(audience, servers);
        }

        return audiences;
    }
}
