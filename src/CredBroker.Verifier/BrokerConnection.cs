using CredBroker.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace CredBroker.Verifier;

/// <summary>
/// The verifier's one gRPC channel to the broker, carrying this tool server's identity token (role
/// <c>tool</c>) on every call. The token comes from <see cref="CredBrokerVerifierOptions.IdentityToken"/>
/// each time, so a rotating SVID is picked up without a restart.
/// </summary>
internal sealed class BrokerConnection : IDisposable
{
    private readonly GrpcChannel channel;
    private readonly Func<CancellationToken, ValueTask<string>> identityToken;

    public BrokerConnection(IOptions<CredBrokerVerifierOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        identityToken = o.IdentityToken ?? throw new InvalidOperationException("CredBroker:Verifier:IdentityToken is required");
        channel = GrpcChannel.ForAddress(o.BrokerAddress ?? throw new InvalidOperationException("CredBroker:Verifier:BrokerAddress is required"));
        Verify = new VerifyService.VerifyServiceClient(channel);
    }

    public VerifyService.VerifyServiceClient Verify { get; }

    /// <summary>Call options with the identity token as bearer.</summary>
    /// <exception cref="RpcException">UNAUTHENTICATED when the identity callback failed: like a broker out of reach, it is retried.</exception>
    public async ValueTask<CallOptions> CallOptionsAsync(DateTime? deadline, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = await identityToken(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The callback is the host's code (a file, an agent socket); whatever it throws, the verifier must
            // keep going: the watcher retries and a stale view fails closed meanwhile.
            throw new RpcException(new Status(StatusCode.Unauthenticated, "this tool server's identity token could not be obtained", e));
        }

        return new CallOptions(new Metadata { { "authorization", "Bearer " + token } }, deadline, cancellationToken);
    }

    public void Dispose() => channel.Dispose();
}
