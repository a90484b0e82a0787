using System.Globalization;
using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>How a fake multipooler goes down when a test (or the sandbox) fails it.</summary>
public enum PoolerFailure
{
    /// <summary>The process exits gracefully: STOPPING, then SHUTDOWN with routing cleared.</summary>
    Shutdown,

    /// <summary>The process dies without a word: its record keeps saying what it said last.</summary>
    Crash,
}

/// <summary>How a ReloadConfig call misbehaves.</summary>
public enum ReloadStall
{
    /// <summary>The call hangs (holding the pooler's action lock) until released, cancelled by the caller, or the bound expires.</summary>
    Hang,

    /// <summary>pg_conf_load_time never advances: DEADLINE_EXCEEDED, as the real pooler answers after 5 s.</summary>
    DeadlineExceeded,
}

/// <summary>An injected GetBackups failure: a status and message, or a hang.</summary>
public sealed record GetBackupsFault(GrpcStatus Status, string Message, bool Hang = false)
{
    /// <summary>The manager is not Ready yet (§3).</summary>
    public static GetBackupsFault ManagerStarting { get; } = new(GrpcStatus.Unavailable, "manager is still starting up");

    /// <summary>A hang, to exercise the caller's deadline.</summary>
    public static GetBackupsFault Hanging { get; } = new(GrpcStatus.DeadlineExceeded, "GetBackups released without an answer", Hang: true);

    /// <summary>An unreadable repository (§3.2 step 5), e.g. a cipher-key mismatch.</summary>
    public static GetBackupsFault RepoStatus(string detail) => new(GrpcStatus.Internal, "pgbackrest repo 1 status: " + detail);
}

/// <summary>
/// Pod annotations that steer a pool pod's fake multipooler, for the sandbox (kubectl annotate) and for
/// tests that prefer the API server to the C# knobs. The C# knob wins when both are set.
/// </summary>
public static class DataPlaneAnnotations
{
    /// <summary>Quarantine the pooler: lifecycle QUARANTINED with this value as the reason. Removing it un-quarantines.</summary>
    public const string Quarantine = "kubesim.io/pooler-quarantine";

    /// <summary><c>shutdown</c> or <c>crash</c>: the pooler process goes down now (a primary fails over). Removing it restarts the pooler.</summary>
    public const string Down = "kubesim.io/pooler-down";

    /// <summary><c>"true"</c>: when the pod is deleted the pooler dies without writing STOPPING/SHUTDOWN.</summary>
    public const string CrashOnStop = "kubesim.io/pooler-crash-on-stop";

    /// <summary><c>"true"</c>: postgres is down, so ReloadConfig answers an empty response.</summary>
    public const string PostgresDown = "kubesim.io/postgres-down";

    /// <summary><c>hang</c> or <c>deadline-exceeded</c>.</summary>
    public const string ReloadStall = "kubesim.io/reload-stall";

    /// <summary><c>starting</c> (UNAVAILABLE), <c>repo:&lt;detail&gt;</c> (INTERNAL "pgbackrest repo 1 status: …") or <c>hang</c>.</summary>
    public const string GetBackupsError = "kubesim.io/getbackups-error";

    /// <summary>
    /// This pooler's view of the repository: <c>none</c> (no backups) or an age such as <c>30h</c>, <c>90m</c>,
    /// <c>2d</c> (one complete full backup that stopped that long before now).
    /// </summary>
    public const string Backups = "kubesim.io/backups";

    public static PoolerFailure? ParseDown(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" => null,
        "crash" => PoolerFailure.Crash,
        _ => PoolerFailure.Shutdown,
    };

    public static ReloadStall? ParseReloadStall(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "hang" or "true" => DataPlane.ReloadStall.Hang,
        "deadline-exceeded" or "deadline" => DataPlane.ReloadStall.DeadlineExceeded,
        _ => null,
    };

    public static GetBackupsFault? ParseGetBackupsError(string? value)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
            return null;
        if (v.Equals("hang", StringComparison.OrdinalIgnoreCase))
            return GetBackupsFault.Hanging;
        if (v.StartsWith("repo:", StringComparison.OrdinalIgnoreCase))
            return GetBackupsFault.RepoStatus(v["repo:".Length..].Trim());
        if (v.Equals("internal", StringComparison.OrdinalIgnoreCase) || v.Equals("repo", StringComparison.OrdinalIgnoreCase))
            return GetBackupsFault.RepoStatus("[CryptoError] cipher key mismatch (kubesim)");
        return GetBackupsFault.ManagerStarting;
    }

    /// <summary>A duration as <c>&lt;number&gt;&lt;unit&gt;</c> with unit s, m, h or d (null when malformed).</summary>
    public static TimeSpan? ParseAge(string value)
    {
        var v = value.Trim();
        if (v.Length < 2 || !double.TryParse(v[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0)
            return null;
        return v[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => null,
        };
    }

    public static bool IsTrue(JsonObject pod, string key) =>
        string.Equals(PoolPodSpec.Annotation(pod, key), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One RPC the fake poolers answered (or refused), for tests to assert what the operator sent.</summary>
public sealed record DataPlaneCall(
    DateTimeOffset At,
    string Namespace,
    string Pod,
    string Method,
    uint? Limit,
    IReadOnlyDictionary<string, string>? ExpectedSettings,
    GrpcStatus Status,
    string Outcome);

/// <summary>A fake multipooler as tests see it.</summary>
public sealed record PoolerView(
    string Namespace,
    string Pod,
    ShardRef Shard,
    string Cell,
    string ServiceId,
    string Hostname,
    string? Key,
    PoolerPhase Phase,
    string? QuarantineReason,
    bool Primary,
    long Term,
    DateTimeOffset? ConfigLoadTime,
    IReadOnlyDictionary<string, string> Running);
