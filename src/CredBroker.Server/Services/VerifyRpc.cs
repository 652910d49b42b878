using CredBroker.Core;
using CredBroker.Core.Audit;
using CredBroker.Core.Revocation;
using CredBroker.Core.Storage;
using CredBroker.Core.Tokens;
using CredBroker.Protocol.V1;
using CredBroker.Server.Auth;
using CredBroker.Server.Errors;
using CredBroker.Server.Mapping;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CredBroker.Server.Services;

/// <summary>Tool servers ask whether a token is live.</summary>
public sealed class VerifyRpc(TokenIntrospector introspector, RevocationWatch watch, IHostApplicationLifetime lifetime, ToolUseRecorder toolUse, CallSlots slots) : VerifyService.VerifyServiceBase
{
    public override async Task WatchRevocations(WatchRevocationsRequest request, IServerStreamWriter<RevocationEvent> responseStream, ServerCallContext context)
    {
        if (RevocationWatch.Validate(request.AfterCursor) is { } invalid)
        {
            throw RpcErrors.From(invalid);
        }

        using var slot = slots.WatchStream(context.Caller().Id);
        await context.WriteResponseHeadersAsync([]);

        // A stopping broker ends its watch streams at once, so verifiers reconnect (to another replica, or to
        // this one restarted) with their cursor; otherwise shutdown would wait for every verifier to hang up.
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var item in watch.WatchAsync(request.AfterCursor, watching.Token))
            {
                await responseStream.WriteAsync(item switch
                {
                    FeedItem.Rule rule => RevocationMapping.ToEvent(rule.Entry),
                    FeedItem.Heartbeat beat => new RevocationEvent { KeepAlive = true, Cursor = beat.Cursor, RevokedAt = Timestamp.FromDateTimeOffset(beat.ReadAt) },
                    _ => throw new System.Diagnostics.UnreachableException(),
                });
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // Ending the stream cleanly is the signal to reconnect.
            return;
        }
        catch (InvalidOperationException) when (watching.IsCancellationRequested)
        {
            // The call ended (the verifier hung up, or the broker is stopping) between reading an item and writing it:
            // nothing is lost, the verifier resumes from its last cursor. Seen as an error log at shutdown otherwise.
            return;
        }
        catch (WatcherTooSlowException e)
        {
            throw RpcErrors.From(Refusal.StoreUnavailable(e.Message));
        }
        catch (BrokerStoreUnavailableException)
        {
            // The verifier's view cannot be proven fresh; it reconnects with its cursor.
            throw RpcErrors.From(Refusal.StoreUnavailable("revocation log unavailable; reconnect with your last cursor"));
        }
    }

    public override async Task<RecordToolUseResponse> RecordToolUse(RecordToolUseRequest request, ServerCallContext context)
    {
        var report = new ToolUseReport(request.GrantId, request.Tool, request.Action, request.Outcome, request.Detail, request.PresenterWorkloadId, request.TaskId, request.WorkloadId);
        var result = await toolUse.RecordAsync(report, context.Caller().Id, context.CancellationToken);
        return result.Succeeded
            ? new RecordToolUseResponse { EventId = result.Value.Event.Id, AnomalyActions = { result.Value.AnomalyActions } }
            : throw RpcErrors.From(result.Refusal);
    }

    public override async Task<IntrospectResponse> Introspect(IntrospectRequest request, ServerCallContext context)
    {
        var result = await introspector.IntrospectAsync(request.Token, context.Caller().Id, context.CancellationToken);
        if (!result.Succeeded)
        {
            throw RpcErrors.From(result.Refusal);
        }

        if (result.Value.Claims is not { } c)
        {
            return new IntrospectResponse { Active = false, Reason = result.Value.Reason ?? "inactive" };
        }

        return new IntrospectResponse
        {
            Active = true,
            TokenType = "Bearer",
            Iss = c.Issuer,
            Sub = c.Subject,
            ClientId = c.ClientId,
            Aud = c.Audience,
            Iat = Timestamp.FromDateTimeOffset(c.IssuedAt),
            Nbf = Timestamp.FromDateTimeOffset(c.NotBefore),
            Exp = Timestamp.FromDateTimeOffset(c.ExpiresAt),
            Jti = c.JwtId,
            Scope = c.ScopeText,
            TaskId = c.TaskId,
            Purpose = c.Purpose,
            Owner = c.Owner,
        };
    }
}
