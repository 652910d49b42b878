using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

internal sealed partial class PolicyReader
{
    private ToolDefinition? ReadTool(YamlNode node)
    {
        string? name = null, audience = null;
        TimeSpan? maxTtl = null;
        var risk = ToolRisk.Low;
        bool? approval = null;
        IReadOnlyList<ContextCondition> conditions = [];
        var delegable = true;
        foreach (var (key, value) in Entries(node, "name", "audience", "maxTtl", "risk", "approval", "requireApproval", "conditions", "delegable"))
        {
            switch (key)
            {
                case "name":
                    name = Scalar(value, "tools[].name");
                    if (name is not null && !ToolNames.IsWellFormed(name))
                    {
                        Problem(value, $"tool name '{name}' must be dotted lower-case segments of [a-z0-9_-], e.g. github.issues.read");
                    }

                    break;
                case "audience":
                    audience = Scalar(value, "tools[].audience");
                    break;
                case "risk":
                    risk = ReadRisk(value) ?? risk;
                    break;
                case "approval":
                    approval = Scalar(value, "tools[].approval") switch
                    {
                        "required" => true,
                        "none" => false,
                        null => approval,
                        var other => Fail<bool?>(value, $"tools[].approval: '{other}' is not required or none"),
                    };
                    break;
                case "requireApproval":
                    approval = Boolean(value, "tools[].requireApproval") ?? approval;
                    break;
                case "conditions":
                    conditions = ReadConditions(value, "tools[].conditions");
                    break;
                case "delegable":
                    delegable = Boolean(value, "tools[].delegable") ?? delegable;
                    break;
                default:
                    maxTtl = Duration(value, "tools[].maxTtl");
                    break;
            }
        }

        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(audience))
        {
            Problem(node, "a tool needs a name and an audience");
            return null;
        }

        // High and critical tools wait for a person unless the file says otherwise, tool by tool.
        return new ToolDefinition(name, audience, maxTtl)
        {
            Risk = risk,
            RequiresApproval = approval ?? risk >= ToolRisk.High,
            Conditions = conditions,
            Delegable = delegable,
        };
    }

    private ToolRisk? ReadRisk(YamlNode node) => Scalar(node, "tools[].risk") switch
    {
        "low" => ToolRisk.Low,
        "medium" => ToolRisk.Medium,
        "high" => ToolRisk.High,
        "critical" => ToolRisk.Critical,
        null => null,
        var other => Fail<ToolRisk?>(node, $"tools[].risk: '{other}' is not low, medium, high or critical"),
    };

    private T? Fail<T>(YamlNode node, string message)
    {
        Problem(node, message);
        return default;
    }
}
