using CredBroker.Core.Revocation;
using CredBroker.Protocol.V1;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using CoreKind = CredBroker.Core.Revocation.RevocationKind;
using WireKind = CredBroker.Protocol.V1.RevocationKind;

namespace CredBroker.Verifier;

/// <summary>
/// Keeps the <see cref="RevocationCache"/> current: follows <c>WatchRevocations</c> from the cache's cursor
/// (first the replay of every rule in force after it, then each new rule, with keep-alives), and reconnects
/// with that cursor whenever the stream breaks, backing off exponentially with jitter. A stream that goes
/// quiet for longer than <see cref="CredBrokerVerifierOptions.MaxStaleness"/> is dropped and reopened: a
/// broker that stops sending keep-alives cannot keep the view looking fresh.
/// </summary>
internal sealed partial class RevocationWatcher : BackgroundService
{
    private readonly RevocationCache cache;
    private readonly BrokerConnection broker;
    private readonly CredBrokerVerifierOptions options;
    private readonly ILogger<RevocationWatcher> logger;
    private readonly ResiliencePipeline reconnect;

    public RevocationWatcher(RevocationCache cache, BrokerConnection broker, IOptions<CredBrokerVerifierOptions> options, TimeProvider time, ILogger<RevocationWatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.cache = cache;
        this.broker = broker;
        this.options = options.Value;
        this.logger = logger;
        reconnect = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>().Handle<IOException>().Handle<HttpRequestException>().Handle<StreamQuietException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = this.options.ReconnectDelay,
                MaxDelay = this.options.MaxReconnectDelay,
                OnRetry = args =>
                {
                    VerifierLog.RevocationWatcherReconnecting(logger, args.Outcome.Exception?.Message ?? "stream ended", args.RetryDelay.TotalMilliseconds, cache.Cursor);
                    return default;
                },
            })
            .Build();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // One pipeline run per healthy connection: a stream that served keep-alives and then broke
                // reconnects at once, and only repeated failures back off.
                await reconnect.ExecuteAsync(static (self, token) => self.FollowOnceAsync(token), this, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: whatever the cancelled call threw is expected.
                return;
            }
        }
    }

    /// <summary>Follows one stream until it breaks. Throws when it broke before proving anything (to back off); returns when it had been healthy.</summary>
    private async ValueTask FollowOnceAsync(CancellationToken stoppingToken)
    {
        var from = cache.Cursor;
        var healthy = false;
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        quiet.CancelAfter(options.MaxStaleness);
        var callOptions = await broker.CallOptionsAsync(deadline: null, quiet.Token).ConfigureAwait(false);
        using var call = broker.Verify.WatchRevocations(new WatchRevocationsRequest { AfterCursor = from }, callOptions);
        VerifierLog.RevocationWatcherConnected(logger, from);
        try
        {
            while (await call.ResponseStream.MoveNext(quiet.Token).ConfigureAwait(false))
            {
                quiet.CancelAfter(options.MaxStaleness);
                var message = call.ResponseStream.Current;
                if (message.KeepAlive)
                {
                    cache.KeepAlive(message.Cursor);
                    healthy = true;
                }
                else
                {
                    cache.Apply(message.Cursor, ToRule(message));
                    VerifierLog.RevocationWatcherRule(logger, message.Kind, message.Cursor);
                }
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested && quiet.IsCancellationRequested)
        {
            throw new StreamQuietException($"no message from the broker for {options.MaxStaleness.TotalSeconds} s", e);
        }
        catch (RpcException) when (healthy)
        {
            VerifierLog.RevocationWatcherStreamBroken(logger, cache.Cursor);
            return;
        }

        if (!healthy)
        {
            throw new StreamQuietException("the stream ended before the first keep-alive");
        }

        VerifierLog.RevocationWatcherStreamBroken(logger, cache.Cursor);
    }

    internal static RevocationRule ToRule(RevocationEvent message)
    {
        var kind = message.Kind switch
        {
            WireKind.Grant => CoreKind.Grant,
            WireKind.Task => CoreKind.Task,
            WireKind.Workload => CoreKind.Workload,
            WireKind.Tool => CoreKind.Tool,
            // ALL, and any kind this version does not know: read it as "everything", the reading that
            // can only refuse more. A rule the verifier cannot place must not be dropped (invariant 3).
            _ => CoreKind.All,
        };
        return new RevocationRule(
            kind,
            kind == CoreKind.All ? string.Empty : message.Subject,
            message.RevokedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue,
            message.LiftedAt?.ToDateTimeOffset(),
            message.Reason,
            message.ExpiresAt?.ToDateTimeOffset());
    }

    /// <summary>The stream stopped proving freshness; reopen it.</summary>
    private sealed class StreamQuietException(string message, Exception? inner = null) : Exception(message, inner);
}
