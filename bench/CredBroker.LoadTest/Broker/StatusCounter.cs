using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CredBroker.LoadTest.Broker;

/// <summary>
/// Counts every call the bench broker answers by method and status code. h2load sees only the
/// HTTP status (always 200 for gRPC) and never the <c>grpc-status</c> trailer, so the broker's own
/// count is what proves a throughput run made no errors.
/// </summary>
public sealed class StatusCounter : Interceptor
{
    private readonly ConcurrentDictionary<(string Method, StatusCode Code), StrongBox> counts = new();

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            Count(context.Method, StatusCode.OK);
            return response;
        }
        catch (RpcException e)
        {
            Count(context.Method, e.StatusCode);
            throw;
        }
        catch (Exception) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away mid-call (h2load closes its connections at the end of a timed run).
            Count(context.Method, StatusCode.Cancelled);
            throw;
        }
        catch (Exception)
        {
            Count(context.Method, StatusCode.Internal);
            throw;
        }
    }

    /// <summary>Calls answered so far, keyed <c>method status</c>.</summary>
    public Dictionary<string, long> Snapshot() =>
        counts.ToDictionary(e => $"{e.Key.Method} {e.Key.Code}", e => Interlocked.Read(ref e.Value.Value), StringComparer.Ordinal);

    private void Count(string method, StatusCode code) => Interlocked.Increment(ref counts.GetOrAdd((method, code), _ => new StrongBox()).Value);

    private sealed class StrongBox
    {
        public long Value;
    }
}
