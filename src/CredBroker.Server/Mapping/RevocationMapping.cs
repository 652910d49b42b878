using CredBroker.Core;
using CredBroker.Core.Revocation;
using CredBroker.Protocol.V1;
using CredBroker.Server.Errors;
using Google.Protobuf.WellKnownTypes;
using CoreKind = CredBroker.Core.Revocation.RevocationKind;
using WireKind = CredBroker.Protocol.V1.RevocationKind;

namespace CredBroker.Server.Mapping;

/// <summary>Revocation rules to protocol messages.</summary>
public static class RevocationMapping
{
    /// <summary>
    /// Mass revocations are one rule (invariant 4) and do not enumerate grants, so
    /// <c>revoked_grants</c> is 0 for them; <c>revoked_at</c> is when the rule took effect.
    /// </summary>
    public static RevokeResponse ToResponse(BrokerResult<RevocationReceipt> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Succeeded)
        {
            throw RpcErrors.From(result.Refusal);
        }

        var response = new RevokeResponse { RevokedAt = Timestamp.FromDateTimeOffset(result.Value.Rule.RevokedAt), DurabilityNotConfirmed = result.Value.DurabilityNotConfirmed ?? string.Empty };
        if (result.Value.Rule.LiftedAt is { } lifted)
        {
            response.LiftedAt = Timestamp.FromDateTimeOffset(lifted);
        }

        return response;
    }

    public static KillSwitchState ToKillSwitch(RevocationReceipt receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var state = ToKillSwitch(receipt.Rule);
        state.DurabilityNotConfirmed = receipt.DurabilityNotConfirmed ?? string.Empty;
        return state;
    }

    public static KillSwitchState ToKillSwitch(RevocationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var state = new KillSwitchState
        {
            Engaged = rule.LiftedAt is null,
            EngagedAt = Timestamp.FromDateTimeOffset(rule.RevokedAt),
            EngagedBy = rule.By,
            Reason = rule.Reason,
        };
        if (rule.LiftedAt is { } lifted)
        {
            state.ReleasedAt = Timestamp.FromDateTimeOffset(lifted);
        }

        return state;
    }

    public static RevocationEvent ToEvent(RevocationEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var rule = entry.Rule;
        var message = new RevocationEvent
        {
            Cursor = entry.Cursor,
            Kind = rule.Kind switch
            {
                CoreKind.Grant => WireKind.Grant,
                CoreKind.Task => WireKind.Task,
                CoreKind.Workload => WireKind.Workload,
                CoreKind.Tool => WireKind.Tool,
                _ => WireKind.All,
            },
            Subject = rule.Subject,
            RevokedAt = Timestamp.FromDateTimeOffset(rule.RevokedAt),
            Reason = rule.Reason,
        };
        if (rule.LiftedAt is { } lifted)
        {
            message.LiftedAt = Timestamp.FromDateTimeOffset(lifted);
        }

        if (rule.ExpiresAt is { } expires)
        {
            message.ExpiresAt = Timestamp.FromDateTimeOffset(expires);
        }

        return message;
    }
}
