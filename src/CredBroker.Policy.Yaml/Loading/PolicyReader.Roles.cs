using CredBroker.Core.Identity;
using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

internal sealed partial class PolicyReader
{
    private RoleTable ReadRoles(YamlNode node)
    {
        var members = new Dictionary<Role, IReadOnlyList<IdPattern>>();
        IReadOnlyList<IdPattern> allowMultiple = [];
        foreach (var (key, value) in Entries(node, "orchestrator", "operator", "approver", "tool", "allowMultiple"))
        {
            if (key == "allowMultiple")
            {
                allowMultiple = ReadIds(value, "roles.allowMultiple");
                continue;
            }

            members[Enum.Parse<Role>(key, ignoreCase: true)] = ReadIds(value, $"roles.{key}");
        }

        return new RoleTable(members, allowMultiple);
    }

    private List<IdPattern> ReadIds(YamlNode node, string what)
    {
        var patterns = new List<IdPattern>();
        foreach (var item in Items(node, what))
        {
            if (Scalar(item, $"{what}[]") is not { } text)
            {
                continue;
            }

            if (!SpiffeId.IsValidPattern(text))
            {
                Problem(item, $"{what}: '{text}' is not a SPIFFE ID or a pattern ending in /*");
                continue;
            }

            patterns.Add(new IdPattern(text));
        }

        return patterns;
    }
}
