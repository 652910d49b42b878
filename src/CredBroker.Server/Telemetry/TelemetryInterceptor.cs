using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CredBroker.Server.Telemetry;

/// <summary>
/// Outermost interceptor: gives each RPC its request id (response header and log scope) and an
/// activity for tracing, so everything logged while it runs, authentication included, carries the id.
/// </summary>
public sealed class TelemetryInterceptor(ILogger<TelemetryInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        using var call = Begin(context);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            call.Fail(e.StatusCode);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        using var call = Begin(context);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            call.Fail(e.StatusCode);
            throw;
        }
    }

    private CallScope Begin(ServerCallContext context)
    {
        var requestId = RequestIds.Assign(context);

        // A trailer rather than a header: early headers would turn every refusal into a full response.
        context.ResponseTrailers.Add(RequestIds.Header, requestId);
        var activity = BrokerTelemetry.Source.StartActivity(context.Method, ActivityKind.Server);
        activity?.SetTag("rpc.system", "grpc");
        activity?.SetTag("rpc.method", context.Method);
        activity?.SetTag("credbroker.request_id", requestId);
        var scope = logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId, ["RpcMethod"] = context.Method });
        return new CallScope(activity, scope);
    }

    private sealed class CallScope(Activity? activity, IDisposable? scope) : IDisposable
    {
        public void Fail(StatusCode code)
        {
            activity?.SetTag("rpc.grpc.status_code", (int)code);
            activity?.SetStatus(ActivityStatusCode.Error, code.ToString());
        }

        public void Dispose()
        {
            scope?.Dispose();
            activity?.Dispose();
        }
    }
}
