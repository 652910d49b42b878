using System.Text;
using Google.Rpc;
using Grpc.Core;

namespace CredBroker.Client;

/// <summary>
/// The broker said no, or could not be reached. Carries the gRPC status and the broker's reason,
/// which is written for a person to act on (the policy rule, the field, the revoked task).
/// </summary>
public class CredBrokerException : Exception
{
    /// <summary>An <c>UNKNOWN</c> failure with no reason; for serialisation and tests. The client itself always sets a status.</summary>
    public CredBrokerException()
        : this(StatusCode.Unknown, "unknown error")
    {
    }

    /// <summary>An <c>UNKNOWN</c> failure with <paramref name="message"/> as its reason.</summary>
    public CredBrokerException(string message)
        : this(StatusCode.Unknown, message)
    {
    }

    /// <summary>An <c>UNKNOWN</c> failure with <paramref name="message"/> as its reason, caused by <paramref name="innerException"/>.</summary>
    public CredBrokerException(string message, Exception innerException)
        : this(StatusCode.Unknown, message, innerException: innerException)
    {
    }

    /// <summary>A refusal or failure as the broker reported it; the message reads <c>STATUS_NAME: reason</c>.</summary>
    /// <param name="statusCode">The gRPC status of the call.</param>
    /// <param name="reason">The broker's reason, written for a person.</param>
    /// <param name="field">The request field an <c>INVALID_ARGUMENT</c> names; null otherwise.</param>
    /// <param name="retryAfter">How long the broker asks the caller to wait (a quota, a store outage); null when it did not say.</param>
    /// <param name="innerException">The <c>RpcException</c> it was read from, if any.</param>
    public CredBrokerException(StatusCode statusCode, string reason, string? field = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base($"{NameOf(statusCode)}: {reason}", innerException)
    {
        StatusCode = statusCode;
        Reason = reason;
        Field = field;
        RetryAfter = retryAfter;
    }

    /// <summary>The gRPC status: <c>PermissionDenied</c> for policy, <c>InvalidArgument</c> for input, <c>FailedPrecondition</c> for a revoked task, kill switch or quarantine, <c>Unavailable</c> when nothing was decided.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The status name as gRPC spells it, e.g. <c>PERMISSION_DENIED</c>.</summary>
    public string StatusName => NameOf(StatusCode);

    /// <summary>The broker's message: for a policy deny it names the rule, for bad input the field.</summary>
    public string Reason { get; }

    /// <summary>The request field at fault, from a <c>google.rpc.BadRequest</c> detail; null when none was sent.</summary>
    public string? Field { get; }

    /// <summary>When to try again, from a <c>google.rpc.RetryInfo</c> detail (rate limits); null when none was sent.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// True when no decision was made (the broker or its store could not be reached, or the deadline
    /// passed): the same request may succeed later. Every other status is the broker's answer.
    /// </summary>
    public bool IsUnavailable => StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    /// <summary>Reads the status, reason and any structured details the broker attached.</summary>
    internal static CredBrokerException From(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string? field = null;
        TimeSpan? retryAfter = null;
        var status = error.GetRpcStatus();
        if (status is not null)
        {
            field = status.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
            retryAfter = status.GetDetail<RetryInfo>()?.RetryDelay?.ToTimeSpan();
        }

        var reason = string.IsNullOrEmpty(error.Status.Detail) ? NameOf(error.StatusCode).ToLowerInvariant() : error.Status.Detail;
        return new CredBrokerException(error.StatusCode, reason, field, retryAfter, error);
    }

    /// <summary><c>PermissionDenied</c> to <c>PERMISSION_DENIED</c>, the spelling of the gRPC spec and every other gRPC tool.</summary>
    internal static string NameOf(StatusCode code)
    {
        var name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && char.IsLower(name[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(name[i]));
        }

        return builder.ToString();
    }
}
