using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using Grpc.Core;

namespace CredBroker.Server.Auth;

/// <summary>The authenticated caller of one RPC, with the role it was admitted under.</summary>
public sealed record Caller(WorkloadIdentity Identity, Role Role)
{
    public string Id => Identity.Id;
}

public static class CallerContext
{
    private const string Key = "credbroker.caller";

    /// <summary>The caller the authorization interceptor admitted. Every broker RPC has one.</summary>
    public static Caller Caller(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(Key, out var caller) && caller is Caller c
            ? c
            : throw new InvalidOperationException("no authenticated caller: the authorization interceptor did not run");
    }

    internal static void SetCaller(this ServerCallContext context, Caller caller) => context.UserState[Key] = caller;
}

public static class CallerRoles
{
    /// <summary>Whether <paramref name="id"/> holds <paramref name="role"/> under <paramref name="policy"/>: an agent is a workload the policy lists.</summary>
    public static bool Holds(BrokerPolicy policy, string id, Role role)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return role == Role.Agent ? policy.FindWorkload(id) is not null : policy.Roles.Holds(id, role);
    }
}
