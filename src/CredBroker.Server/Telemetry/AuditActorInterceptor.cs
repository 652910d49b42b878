using CredBroker.Core.Audit;
using CredBroker.Server.Auth;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CredBroker.Server.Telemetry;

/// <summary>
/// Runs inside <see cref="AuthorizationInterceptor"/>: makes the admitted caller and the request id
/// the actor of every decision the RPC audits.
/// </summary>
public sealed class AuditActorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        using var actor = Begin(context);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        using var actor = Begin(context);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    private static IDisposable? Begin(ServerCallContext context) =>
        context.UserState.Count > 0 && TryCaller(context) is { } caller
            ? AuditContext.Begin(new AuditActor(caller, RequestIds.Of(context)))
            : null;

    private static string? TryCaller(ServerCallContext context)
    {
        try
        {
            return context.Caller().Id;
        }
        catch (InvalidOperationException)
        {
            // The health service is not authenticated and audits nothing.
            return null;
        }
    }
}
