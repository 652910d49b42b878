using System.Diagnostics;
using System.Runtime.CompilerServices;
using CredBroker.Client.Identity;
using CredBroker.Client.Internal;
using CredBroker.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CredBroker.Client;

/// <summary>
/// The broker for agents and orchestrators: ask for grants (or just a fresh token, cached), hand
/// them back, revoke tasks and grants, introspect tokens. Every call carries the caller's identity
/// token from the configured provider; every refusal surfaces as a <see cref="CredBrokerException"/>.
/// Thread-safe; make one per process (DI: <c>AddCredBrokerClient</c>).
/// </summary>
public sealed partial class CredBrokerClient : IDisposable
{
    /// <summary>
    /// The client's OpenTelemetry trace source: one span per broker call (e.g. <c>CredBrokerClient.RequestGrant</c>),
    /// whose W3C <c>traceparent</c> goes to the broker with the call. Add it with <c>AddSource(CredBrokerClient.ActivitySourceName)</c>.
    /// </summary>
    public const string ActivitySourceName = "CredBroker.Client";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly IBrokerStubs stubs;
    private readonly Func<CancellationToken, ValueTask<string>> identityToken;
    private readonly TimeSpan callTimeout;
    private readonly GrantCache cache;

    internal CredBrokerClient(IBrokerStubs stubs, CredBrokerClientOptions options, TimeProvider time)
    {
        CredBrokerClientOptionsValidator.ThrowIfInvalid(options);
        this.stubs = stubs;
        identityToken = IdentityTokens.From(options);
        callTimeout = options.CallTimeout;
        cache = new GrantCache(time, options.RefreshMargin);
    }

    /// <summary>A client with its own channel, for programs without DI (the CLI, scripts, tests).</summary>
    public static CredBrokerClient Create(CredBrokerClientOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        CredBrokerClientOptionsValidator.ThrowIfInvalid(options);
        var channel = GrpcChannel.ForAddress(options.Address);
        return new CredBrokerClient(new ChannelStubs(channel), options, time ?? TimeProvider.System);
    }

    /// <summary>Asks the broker for a new grant. Nothing is cached; see <see cref="GetGrantAsync"/>.</summary>
    /// <exception cref="CredBrokerException">The broker refused (policy, input, revoked task) or could not be reached.</exception>
    /// <exception cref="GrantPendingApprovalException">A policy rule needs a person's approval first.</exception>
    public async Task<BrokerGrant> RequestGrantAsync(GrantRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await CallAsync(
            (options) => stubs.Grants.RequestGrantAsync(Mapping.ToProto(request), options),
            cancellationToken).ConfigureAwait(false);
        return Mapping.ToGrant(response);
    }

    /// <summary>
    /// A grant for this request that is not about to expire: the cached one while it has more than
    /// the refresh margin left, otherwise a new one. Concurrent callers share one broker request.
    /// </summary>
    public Task<BrokerGrant> GetGrantAsync(GrantRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return cache.GetAsync(GrantKey.Of(request), ct => RequestGrantAsync(request, ct), cancellationToken);
    }

    /// <summary>The access token of <see cref="GetGrantAsync"/>: call it before each tool call and never think about expiry.</summary>
    public async Task<string> GetTokenAsync(string taskId, string purpose, IReadOnlyList<string> tools, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var grant = await GetGrantAsync(new GrantRequest(taskId, purpose, tools) { Ttl = ttl }, cancellationToken).ConfigureAwait(false);
        return grant.AccessToken;
    }

    /// <summary>Hands a grant back early; its token is inactive at once. Returns when the broker released it.</summary>
    public async Task<DateTimeOffset> ReleaseGrantAsync(string grantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grantId);
        cache.ForgetGrant(grantId);
        var response = await CallAsync(
            options => stubs.Grants.ReleaseGrantAsync(new ReleaseGrantRequest { GrantId = grantId }, options),
            cancellationToken).ConfigureAwait(false);
        return Mapping.Time(response.ReleasedAt) ?? DateTimeOffset.MinValue;
    }

    /// <summary>Ends every grant of a task; no grant for it succeeds afterwards. Role: orchestrator.</summary>
    public async Task<RevocationResult> RevokeTaskAsync(string taskId, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        cache.ForgetTask(taskId);
        var response = await CallAsync(
            options => stubs.Tasks.RevokeTaskAsync(new RevokeTaskRequest { TaskId = taskId, Reason = reason ?? string.Empty }, options),
            cancellationToken).ConfigureAwait(false);
        return new RevocationResult(response.RevokedGrants, Mapping.Time(response.RevokedAt) ?? DateTimeOffset.MinValue, NullIfEmpty(response.DurabilityNotConfirmed));
    }

    /// <summary>Revokes one grant. Role: operator.</summary>
    public async Task<RevocationResult> RevokeGrantAsync(string grantId, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grantId);
        cache.ForgetGrant(grantId);
        var response = await CallAsync(
            options => stubs.Admin.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grantId, Reason = reason ?? string.Empty }, options),
            cancellationToken).ConfigureAwait(false);
        return new RevocationResult(response.RevokedGrants, Mapping.Time(response.RevokedAt) ?? DateTimeOffset.MinValue, NullIfEmpty(response.DurabilityNotConfirmed));
    }

    /// <summary>Asks whether an access token is live (RFC 7662). An inactive token is an answer, not an error. Role: tool.</summary>
    public async Task<TokenIntrospection> IntrospectAsync(string accessToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accessToken);
        var response = await CallAsync(
            options => stubs.Verify.IntrospectAsync(new IntrospectRequest { Token = accessToken }, options),
            cancellationToken).ConfigureAwait(false);
        return Mapping.ToIntrospection(response);
    }

    /// <summary>Drops cached grants of a task, e.g. when a tool server refused its token.</summary>
    public void ForgetTask(string taskId) => cache.ForgetTask(taskId);

    /// <summary>Closes the client's own channel (from <see cref="Create"/>); a client from DI shares the factory's channels and closes nothing.</summary>
    public void Dispose() => stubs.Dispose();

    private async Task<TResponse> CallAsync<TResponse>(Func<CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        using var activity = Source.StartActivity("CredBrokerClient." + (operation.EndsWith("Async", StringComparison.Ordinal) ? operation[..^5] : operation));
        // The token is fetched here, not in CallCredentials, so a provider failure (a missing token
        // file) reaches the caller as itself rather than as a wrapped INTERNAL status. Sending it over
        // cleartext is governed by the options' loopback rule, checked when the client was built.
        var token = await identityToken(cancellationToken).ConfigureAwait(false);
        var headers = new Metadata { { "authorization", "Bearer " + token } };

        // A deadline is a wire concern measured on the real clock, whatever clock the cache uses.
        var options = new CallOptions(headers, DateTime.UtcNow + callTimeout, cancellationToken);
        try
        {
            return await call(options).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetTag("rpc.grpc.status_code", (int)e.StatusCode);
            activity?.SetStatus(ActivityStatusCode.Error, e.StatusCode.ToString());
            throw CredBrokerException.From(e);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
