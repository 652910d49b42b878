using CredBroker.Core.Audit;
using CredBroker.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace CredBroker.Server.Mapping;

public static class AuditMapping
{
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
