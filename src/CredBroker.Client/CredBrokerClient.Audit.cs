using System.Runtime.CompilerServices;
using CredBroker.Protocol.V1;
using Grpc.Core;

namespace CredBroker.Client;

/// <summary>One event of the broker's audit log: its cursor, its canonical JSON (what is hashed), and the fields people filter on.</summary>
public sealed record AuditLine(string Cursor, string Json, string Id, long Seq, DateTimeOffset Time, string Kind, string Decision, string TaskId, string WorkloadId);

/// <summary>Which audit events to read.</summary>
public sealed record AuditFilter(string? TaskId = null, string? WorkloadId = null, bool Follow = false, string? AfterCursor = null, int Limit = 0);

public sealed partial class CredBrokerClient
{
    /// <summary>
    /// Streams the audit log, oldest first. Without <see cref="AuditFilter.Follow"/> it ends at the
    /// log's end; with it, it runs until cancelled, so no call deadline applies. Role: operator.
    /// </summary>
    public async IAsyncEnumerable<AuditLine> ReadAuditAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
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
        while (true)
        {
            AuditEventRecord record;
            try
            {
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
