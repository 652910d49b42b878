using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Server.Mapping;

public static class AuditMapping
{
    /// <summary>ReadAudit's response header: the store's chain head as <c>SEQ:HASH</c>, read before the first event.</summary>
    public const string HeadHeader = "credbroker-audit-head";

    public static AuditEventRecord ToProto(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var e = record.Event;
        return new AuditEventRecord
        {
            Cursor = record.Cursor,
            Json = AuditCanonical.ToJson(e),
            Id = e.Id,
            Seq = e.Seq,
            Time = Timestamp.FromDateTimeOffset(e.Time),
            Kind = e.Kind,
            Decision = e.Decision,
            TaskId = e.TaskId,
            WorkloadId = e.WorkloadId,
        };
    }
}
