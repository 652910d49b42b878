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
