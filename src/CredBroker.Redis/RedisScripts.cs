using StackExchange.Redis;

namespace CredBroker.Redis;

/// <summary>
/// One prepared script per atomic decision, read from the embedded <c>Scripts/*.lua</c>.
/// <see cref="LuaScript"/> sends EVALSHA and reloads the script after a Redis restart emptied its cache;
/// parameters typed <see cref="RedisKey"/> go as KEYS, so Redis knows every key a script touches.
/// </summary>
internal static class RedisScripts
{
    public static LuaScript InsertGrant { get; } = Load("insert-grant");

    public static LuaScript RevokeTask { get; } = Load("revoke-task");

    public static LuaScript RevokeGrant { get; } = Load("revoke-grant", "grant-record");

    public static LuaScript GrantStatus { get; } = Load("grant-status");

    public static LuaScript FindGrant { get; } = Load("find-grant", "grant-record");

    public static LuaScript OpenTask { get; } = Load("open-task");

    public static LuaScript GetTask { get; } = Load("get-task");

    public static LuaScript AppendRevocation { get; } = Load("append-revocation");

    public static LuaScript LiftRevocation { get; } = Load("lift-revocation");

    public static LuaScript StandingRevocations { get; } = Load("standing-revocations");

    public static LuaScript EnsureGeneration { get; } = Load("ensure-generation");

    public static LuaScript MaintainRevocations { get; } = Load("maintain-revocations");

    public static LuaScript RestoreRevocation { get; } = Load("restore-revocation");

    public static LuaScript DiscardGrant { get; } = Load("discard-grant");

    public static LuaScript AppendAudit { get; } = Load("append-audit");

    public static LuaScript AnomalyCount { get; } = Load("anomaly-count");

    public static LuaScript ListExpiring { get; } = Load("list-expiring");

    public static LuaScript ListTaskGrants { get; } = Load("list-task-grants", "grant-record");

    public static LuaScript TrackLiveTask { get; } = Load("track-live-task");

    public static LuaScript CreateApproval { get; } = Load("create-approval");

    public static LuaScript ChangeApproval { get; } = Load("change-approval");

    /// <param name="prelude">A shared fragment (local functions, no parameters) put before the script.</param>
    private static LuaScript Load(string name, string? prelude = null) =>
        LuaScript.Prepare((prelude is null ? string.Empty : Read(prelude)) + Read(name));

    private static string Read(string name)
    {
        var resource = $"CredBroker.Redis.Scripts.{name}.lua";
        using var stream = typeof(RedisScripts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded script {resource} is missing from {typeof(RedisScripts).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
