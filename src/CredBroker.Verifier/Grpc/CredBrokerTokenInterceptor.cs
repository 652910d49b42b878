using CredBroker.Core.Tokens;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier.Grpc;

/// <summary>
/// Guards a gRPC tool server: each call must carry <c>authorization: Bearer &lt;access token&gt;</c> that the
/// <see cref="TokenVerifier"/> accepts for the tool its method is mapped to (<see cref="CredBrokerGrpcOptions"/>).
/// A method with no mapping is refused. The claims are left in <c>context.UserState</c> under <see cref="ClaimsKey"/>.
/// Status codes follow RFC 6750's split: a bad token is UNAUTHENTICATED, a good token without the tool is
/// PERMISSION_DENIED, and a verifier that cannot decide (stale view, broker unreachable) is UNAVAILABLE.
/// </summary>
public sealed class CredBrokerTokenInterceptor(TokenVerifier verifier, IOptions<CredBrokerGrpcOptions> options) : Interceptor
{
    /// <summary>The <c>ServerCallContext.UserState</c> key the accepted token's claims are stored under; read them with <see cref="Claims"/>.</summary>
    public const string ClaimsKey = "credbroker.claims";

    /// <summary>Checks the call's token for its method's tool before the handler runs; see the class remarks for the status codes.</summary>
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthorizeAsync(context);
        return await continuation(request, context);
    }

    /// <summary>Checks the call's token before the handler reads the first message.</summary>
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthorizeAsync(context);
        return await continuation(requestStream, context);
    }

    /// <summary>Checks the call's token before the handler writes the first message. The token is checked once, when the stream opens.</summary>
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthorizeAsync(context);
        await continuation(request, responseStream, context);
    }

    /// <summary>Checks the call's token before the handler reads or writes. The token is checked once, when the stream opens.</summary>
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthorizeAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    /// <summary>The claims of the token that authorised this call; null for an anonymous method.</summary>
    public static AccessTokenClaims? Claims(ServerCallContext context) =>
        context?.UserState.TryGetValue(ClaimsKey, out var claims) == true ? claims as AccessTokenClaims : null;

    private async Task AuthorizeAsync(ServerCallContext context)
    {
        var map = options.Value;
        if (map.AnonymousMethods.Contains(context.Method))
        {
            return;
        }

        if (!map.MethodTools.TryGetValue(context.Method, out var tool))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"method {context.Method} is not mapped to a tool; refused"));
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "no bearer access token"));
        }

        var result = await verifier.ValidateAsync(header["Bearer ".Length..].Trim(), tool, context.CancellationToken);
        if (result.Claims is { } claims)
        {
            context.UserState[ClaimsKey] = claims;
            return;
        }

        var status = result.Failure switch
        {
            TokenFailure.ToolNotInScope => StatusCode.PermissionDenied,
            TokenFailure.Stale or TokenFailure.Unavailable => StatusCode.Unavailable,
            _ => StatusCode.Unauthenticated,
        };
        throw new RpcException(new Status(status, $"{result.Failure}: {result.Message}"));
    }
}
