namespace CredBroker.Core.Validation;

/// <summary>Bounds on request fields (invariant 8). Generous for real use, tight enough that no field can carry a payload.</summary>
public static class InputLimits
{
    public const int TaskIdMaxLength = 128;
    public const int PurposeMaxLength = 1024;
    public const int ReasonMaxLength = 1024;
    public const int OwnerMaxLength = 128;
    public const int ContextMaxEntries = 32;
    public const int ContextKeyMaxLength = 64;
    public const int ContextValueMaxLength = 256;
    public const int ApprovalIdMaxLength = 128;

    /// <summary>Absolute ceiling on a requested TTL, before policy bounds it further.</summary>
    public static readonly TimeSpan TtlCeiling = TimeSpan.FromDays(1);
}
