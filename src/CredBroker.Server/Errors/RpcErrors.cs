using CredBroker.Core;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace CredBroker.Server.Errors;

/// <summary>The one place where Core's refusals become gRPC statuses.</summary>
public static class RpcErrors
{
    public static RpcException From(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var status = new Google.Rpc.Status { Code = (int)CodeOf(refusal.Kind), Message = refusal.Message };
        if (refusal.Kind == RefusalKind.InvalidArgument && refusal.Field is { } field)
        {
            // google.rpc.BadRequest lets clients find the field without parsing the message.
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = refusal.Message } },
            }));
        }

        if (refusal.RetryAfter is { } retry)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retry) }));
        }

        return status.ToRpcException();
    }

    public static RpcException Unauthenticated(string reason) => new(new Grpc.Core.Status(StatusCode.Unauthenticated, reason));

    public static RpcException PermissionDenied(string reason) => new(new Grpc.Core.Status(StatusCode.PermissionDenied, reason));

    private static StatusCode CodeOf(RefusalKind kind) => kind switch
    {
        RefusalKind.InvalidArgument => StatusCode.InvalidArgument,
        RefusalKind.PermissionDenied => StatusCode.PermissionDenied,
        RefusalKind.FailedPrecondition => StatusCode.FailedPrecondition,
        RefusalKind.NotFound => StatusCode.NotFound,
        RefusalKind.ResourceExhausted => StatusCode.ResourceExhausted,
        RefusalKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };
}
