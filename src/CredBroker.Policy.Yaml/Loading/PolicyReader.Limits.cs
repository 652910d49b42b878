using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

internal sealed partial class PolicyReader
{
    private PolicyLimits ReadLimits(YamlNode node)
    {
        var limits = PolicyLimits.Default;
        foreach (var (key, value) in Entries(node, "maxTtl", "defaultTtl", "maxToolsPerGrant", "maxTaskDuration", "requireOpenTask", "approvalTtl", "maxDelegationDepth"))
        {
            limits = key switch
            {
                "maxTtl" => limits with { MaxTtl = Duration(value, "limits.maxTtl") ?? limits.MaxTtl },
                "defaultTtl" => limits with { DefaultTtl = Duration(value, "limits.defaultTtl") ?? limits.DefaultTtl },
                "maxTaskDuration" => limits with { MaxTaskDuration = Duration(value, "limits.maxTaskDuration") ?? limits.MaxTaskDuration },
                "requireOpenTask" => limits with { RequireOpenTask = Boolean(value, "limits.requireOpenTask") ?? limits.RequireOpenTask },
                "maxDelegationDepth" => limits with { MaxDelegationDepth = Integer(value, "limits.maxDelegationDepth", 0, 16) ?? limits.MaxDelegationDepth },
                "approvalTtl" => limits with { ApprovalTtl = Duration(value, "limits.approvalTtl") ?? limits.ApprovalTtl },
                _ => limits with { MaxToolsPerGrant = Integer(value, "limits.maxToolsPerGrant", 1, 256) ?? limits.MaxToolsPerGrant },
            };
        }

        return limits;
    }
}
