using CredBroker.Core.Identity;
using YamlDotNet.RepresentationModel;

namespace CredBroker.Core.Policy;

internal sealed partial class PolicyReader
{
    private WorkloadDefinition? ReadWorkload(YamlNode node)
    {
        string? name = null, id = null, owner = null;
        TimeSpan? maxTtl = null;
        var requireOpenTask = false;
        var tools = new List<NamePattern>();
        var purposes = new List<PurposePattern>();
        int? maxLiveGrants = null;
        RateLimit? rateLimit = null;
        var delegates = new List<IdPattern>();
        foreach (var (key, value) in Entries(node, "name", "id", "owner", "tools", "maxTtl", "requireOpenTask", "purposes", "maxLiveGrants", "rateLimit", "delegates"))
        {
            switch (key)
            {
                case "name":
                    name = Scalar(value, "workloads[].name");
                    break;
                case "id":
                    id = Scalar(value, "workloads[].id");
                    if (id is not null && !SpiffeId.IsValidPattern(id))
                    {
                        Problem(value, $"workload id '{id}' is not a SPIFFE ID or a pattern ending in /*");
                    }

                    break;
                case "owner":
                    owner = Scalar(value, "workloads[].owner");
                    break;
                case "tools":
                    tools.AddRange(Strings(value, "workloads[].tools").Select(t => new NamePattern(t)));
                    break;
                case "purposes":
                    purposes.AddRange(Strings(value, "workloads[].purposes").Where(p => p.Length > 0).Select(p => new PurposePattern(p)));
                    break;
                case "maxLiveGrants":
                    maxLiveGrants = Integer(value, "workloads[].maxLiveGrants", 1, 100_000);
                    break;
                case "rateLimit":
                    var text = Scalar(value, "workloads[].rateLimit");
                    if (text is not null && !RateLimit.TryParse(text, out rateLimit))
                    {
                        Problem(value, $"workloads[].rateLimit: '{text}' is not a rate such as 30/m, 5/s or 100/h (window 1s to 1d)");
                    }

                    break;
                case "delegates":
                    foreach (var pattern in Strings(value, "workloads[].delegates"))
                    {
                        if (SpiffeId.IsValidPattern(pattern))
                        {
                            delegates.Add(new IdPattern(pattern));
                        }
                        else
                        {
                            Problem(value, $"workloads[].delegates: '{pattern}' is not a SPIFFE ID or a pattern ending in /*");
                        }
                    }

                    break;
                case "requireOpenTask":
                    requireOpenTask = Boolean(value, "workloads[].requireOpenTask") ?? false;
                    break;
                default:
                    maxTtl = Duration(value, "workloads[].maxTtl");
                    break;
            }
        }

        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(owner))
        {
            Problem(node, "a workload needs an id and an owner");
            return null;
        }

        return new WorkloadDefinition(name ?? id, new IdPattern(id), owner, tools, maxTtl, requireOpenTask)
        {
            Purposes = purposes,
            MaxLiveGrants = maxLiveGrants,
            RateLimit = rateLimit,
            Delegates = delegates,
        };
    }
}
