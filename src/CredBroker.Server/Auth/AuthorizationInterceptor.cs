using CredBroker.Core;
using CredBroker.Core.Identity;
using CredBroker.Core.Policy;
using CredBroker.Core.Storage;
using CredBroker.Server.Errors;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CredBroker.Server.Auth;

/// <summary>
/// Authenticates every broker RPC and admits it only under a role its method allows
/// (<see cref="MethodRoles"/>). A method with no row is refused: deny by default.
/// </summary>
public sealed partial class AuthorizationInterceptor(CallerAuthenticator authenticator, IPolicySource policy, ILogger<AuthorizationInterceptor> logger) : Interceptor
{
    private const string BrokerPrefix = "/credbroker.";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AdmitAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AdmitAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    private async Task AdmitAsync(ServerCallContext context)
    {
        if (!context.Method.StartsWith(BrokerPrefix, StringComparison.Ordinal))
        {
            // Only the standard health service lives outside our package; it carries no secrets.
            return;
        }

        var roles = MethodRoles.For(context.Method) ?? throw RpcErrors.PermissionDenied($"{context.Method} is not open to any role");
        IdentityValidation authenticated;
        try
        {
            authenticated = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        }
        catch (BrokerStoreUnavailableException)
        {
            // Single-use identity tokens cannot be checked without the store: refuse rather than admit a replay.
            throw RpcErrors.From(Refusal.StoreUnavailable("identity replay store unavailable; call refused, try again"));
        }

        if (authenticated.Identity is not { } identity)
        {
            ServerLog.AuthorizationInterceptorUnauthenticated(logger, context.Method, authenticated.Failure!);
            throw RpcErrors.Unauthenticated(authenticated.Failure!);
        }

        var current = policy.Current;
        foreach (var role in roles)
        {
            if (CallerRoles.Holds(current, identity.Id, role))
            {
                context.SetCaller(new Caller(identity, role));
                return;
            }
        }

        var needed = string.Join(" or ", roles.Select(RoleOverlap.Name));
        ServerLog.AuthorizationInterceptorForbidden(logger, identity.Id, context.Method, needed);
        throw RpcErrors.PermissionDenied($"{identity.Id} lacks role {needed}, which {context.Method} requires");
    }
}
