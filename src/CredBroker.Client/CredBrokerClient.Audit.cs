using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using CredBroker.Protocol.V1;
using Grpc.Core;

namespace CredBroker.Client;

/// <summary>One event of the broker's audit log: its cursor, its canonical JSON (what is hashed), and the fields people filter on.</summary>
/// <param name="Cursor">Where the event sits in the broker's log; pass it as <see cref="AuditFilter.AfterCursor"/> to resume after it.</param>
/// <param name="Json">The event in canonical JSON, byte for byte what its hash covers; check the chain from this, not from the other fields.</param>
/// <param name="Id">The event's id.</param>
/// <param name="Seq">Its position in the chain, from 1.</param>
/// <param name="Time">When it was recorded, by the store's clock.</param>
/// <param name="Kind">What happened (e.g. <c>grant.issued</c>).</param>
/// <param name="Decision">The outcome (e.g. <c>allow</c>, <c>permission_denied</c>).</param>
/// <param name="TaskId">The task it concerns; empty when none.</param>
/// <param name="WorkloadId">The workload it concerns; empty when none.</param>
public sealed record AuditLine(string Cursor, string Json, string Id, long Seq, DateTimeOffset Time, string Kind, string Decision, string TaskId, string WorkloadId);

/// <summary>Which audit events to read.</summary>
/// <param name="TaskId">Only this task's events; null for all.</param>
/// <param name="WorkloadId">Only this workload's events; null for all.</param>
/// <param name="Follow">Keep streaming new events after the end of the log, until cancelled. Default: false.</param>
/// <param name="AfterCursor">Start after this <see cref="AuditLine.Cursor"/>; null for the beginning.</param>
/// <param name="Limit">At most this many events; 0 (the default) for no limit.</param>
public sealed record AuditFilter(string? TaskId = null, string? WorkloadId = null, bool Follow = false, string? AfterCursor = null, int Limit = 0);

public sealed partial class CredBrokerClient
{
    /// <summary>The response header of ReadAudit that carries the store's chain head.</summary>
    public const string AuditHeadHeader = "credbroker-audit-head";

    /// <summary>Where a broker publishes its audit keys (a JWKS), on every listener.</summary>
    public const string AuditKeysPath = "/.well-known/audit-keys.json";

    /// <summary>
    /// The broker's published audit keys (JWKS JSON), fetched from <paramref name="brokerAddress"/> itself:
    /// over HTTP/2 as gRPC is (prior knowledge on cleartext, ALPN with TLS). No identity is needed.
    /// </summary>
    public static async Task<string> GetAuditKeysJsonAsync(Uri brokerAddress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(brokerAddress);
        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri(brokerAddress, AuditKeysPath), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams the audit log, oldest first. Without <see cref="AuditFilter.Follow"/> it ends at the
    /// log's end; with it, it runs until cancelled, so no call deadline applies. Role: operator.
    /// </summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "the overloads differ in a required parameter (onHead), so no call can bind to the other one")]
    public IAsyncEnumerable<AuditLine> ReadAuditAsync(AuditFilter filter, CancellationToken cancellationToken = default) => ReadAuditAsync(filter, onHead: null, cancellationToken);

    /// <summary>
    /// As <see cref="ReadAuditAsync(AuditFilter, CancellationToken)"/>, and hands <paramref name="onHead"/> the
    /// store's chain head (<c>SEQ:HASH</c>, read before the first event) when the broker sends one.
    /// </summary>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "the overloads differ in a required parameter (onHead), so no call can bind to the other one")]
    public async IAsyncEnumerable<AuditLine> ReadAuditAsync(AuditFilter filter, Action<string>? onHead, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var token = await identityToken(cancellationToken).ConfigureAwait(false);
        var options = new CallOptions(new Metadata { { "authorization", "Bearer " + token } }, deadline: null, cancellationToken);
        var request = new ReadAuditRequest
        {
            TaskId = filter.TaskId ?? string.Empty,
            WorkloadId = filter.WorkloadId ?? string.Empty,
            Follow = filter.Follow,
            AfterCursor = filter.AfterCursor ?? string.Empty,
            Limit = filter.Limit,
        };
        using var call = stubs.Admin.ReadAudit(request, options);
        var stream = call.ResponseStream;
        var headSeen = onHead is null;
        while (true)
        {
            AuditEventRecord record;
            try
            {
                if (!headSeen)
                {
                    headSeen = true;
                    if ((await call.ResponseHeadersAsync.ConfigureAwait(false)).GetValue(AuditHeadHeader) is { } head)
                    {
                        onHead!(head);
                    }
                }

                if (!await stream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                record = stream.Current;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
            {
                throw CredBrokerException.From(e);
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            yield return new AuditLine(record.Cursor, record.Json, record.Id, record.Seq, record.Time?.ToDateTimeOffset() ?? DateTimeOffset.MinValue, record.Kind, record.Decision, record.TaskId, record.WorkloadId);
        }
    }
}
