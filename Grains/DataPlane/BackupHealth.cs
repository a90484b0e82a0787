using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.DataPlane.ManagerData;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.DataPlane;

/// <summary>
/// What one backup-health evaluation found (dataplane-contracts §5.1, spec §8.3): the condition's verdict and message,
/// and the backup it was judged on. <see cref="LastBackupTime"/> and <see cref="LastBackupType"/> are null when no
/// completed backup with a known time exists, and are written to the status as null then.
/// </summary>
public sealed record BackupHealthResult(bool Healthy, string Message, DateTimeOffset? LastBackupTime, string? LastBackupType, TimeSpan? Age)
{
    /// <summary><c>BackupRecent</c> or <c>BackupStale</c>.</summary>
    public string Reason => Healthy ? BackupHealth.ReasonRecent : BackupHealth.ReasonStale;

    public ConditionStatus Status => Healthy ? ConditionStatus.True : ConditionStatus.False;

    /// <summary><see cref="LastBackupType"/> as the status enum; null when absent or not one of full/diff/incr.</summary>
    public BackupKind? LastBackupKind => LastBackupType switch
    {
        "full" => BackupKind.Full,
        "diff" => BackupKind.Diff,
        "incr" => BackupKind.Incr,
        _ => null,
    };

    /// <summary>The <c>BackupHealthy</c> condition; <c>ConditionSet.Set</c> keeps the old transition time when the status holds.</summary>
    public Condition ToCondition(DateTimeOffset now, long? observedGeneration) => new()
    {
        Type = ConditionTypes.BackupHealthy,
        Status = Status,
        Reason = Reason,
        Message = Message,
        LastTransitionTime = now,
        ObservedGeneration = observedGeneration,
    };

    /// <summary>
    /// The event this result calls for, given the condition's previous status (null: absent). Events mark transitions
    /// only: <c>Normal BackupHealthy</c> on becoming healthy, <c>Warning BackupStale</c> on leaving True; a shard whose
    /// first verdict is unhealthy emits nothing (spec §8.3).
    /// </summary>
    public DataPlaneEvent? TransitionEvent(ConditionStatus? previous)
    {
        if (Healthy)
            return previous == ConditionStatus.True ? null : new DataPlaneEvent(DataPlaneEvent.Normal, BackupHealth.EventHealthy, Message);
        return previous == ConditionStatus.True ? new DataPlaneEvent(DataPlaneEvent.Warning, BackupHealth.EventStale, Message) : null;
    }
}

/// <summary>
/// Backup health of a shard from the primary's <c>GetBackups</c> answer (dataplane-contracts §5.1, spec §8.3): only
/// COMPLETE backups count; the newest one must be at most 25 h old. Reasons, messages and the threshold are the
/// reference's. Two of its flaws (§8.4) are fixed, both only where the reference would misjudge:
/// <list type="bullet">
/// <item>A backup's time is its <c>stop_timestamp</c> when the pooler sends one (multigres fe1e038 does); otherwise
/// its label's own timestamp: for a diff/incr label <c>…F_YYYYMMDD-HHMMSSD</c> that is the part after the <c>_</c>,
/// not the full backup it is based on. The reference always parses the first 15 characters, so fresh incrementals on
/// top of an old full backup read as stale.</item>
/// <item>The newest backup is the one with the latest such time (ties: the greater <c>backup_id</c>), not the
/// lexicographically greatest label, which ranks a new diff of an older full below that full.</item>
/// </list>
/// For full backups without <c>stop_timestamp</c> both rules give exactly the reference's answer. Ask for every backup
/// (<see cref="Request"/>, <c>limit = 0</c>): GetBackups keeps the <i>oldest</i> N, so the reference's limit of 10 hides
/// the newest backups once there are more than ten.
/// </summary>
public static class BackupHealth
{
    public const string ReasonRecent = "BackupRecent";
    public const string ReasonStale = "BackupStale";
    public const string EventHealthy = "BackupHealthy";
    public const string EventStale = "BackupStale";
    public const string EventCheckFailed = "BackupCheckFailed";

    public const string MessageNoBackups = "No backups found";
    public const string MessageNoCompleted = "No completed backups found";

    /// <summary>Older than this, the newest completed backup is stale (daily schedule plus an hour to run).</summary>
    public static readonly TimeSpan StaleThreshold = TimeSpan.FromHours(25);

    private const string LabelTimeFormat = "yyyyMMdd-HHmmss";

    /// <summary>The request the check sends: every backup (see the type's remarks on why not 10).</summary>
    public static GetBackupsRequest Request() => new() { Limit = 0 };

    /// <summary>The <c>BackupCheckFailed</c> warning for a failed check (spec §8.3: <c>Failed to check backup health: %v</c>).</summary>
    public static DataPlaneEvent CheckFailedEvent(string error) =>
        new(DataPlaneEvent.Warning, EventCheckFailed, "Failed to check backup health: " + error);

    /// <summary>Judges <paramref name="backups"/> at <paramref name="now"/> against <paramref name="staleThreshold"/> (default 25 h).</summary>
    public static BackupHealthResult Evaluate(IReadOnlyList<BackupMetadata> backups, DateTimeOffset now, TimeSpan? staleThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(backups);
        var threshold = staleThreshold ?? StaleThreshold;
        if (backups.Count == 0)
            return new BackupHealthResult(false, MessageNoBackups, null, null, null);

        var completed = backups.Where(b => b is not null && b.Status == BackupMetadata.Types.Status.Complete).ToList();
        if (completed.Count == 0)
            return new BackupHealthResult(false, MessageNoCompleted, null, null, null);

        BackupMetadata? latest = null;
        DateTimeOffset latestTime = default;
        foreach (var backup in completed)
        {
            if (BackupTime(backup) is not { } time)
                continue;
            if (latest is null || time > latestTime || (time == latestTime && string.CompareOrdinal(backup.BackupId, latest.BackupId) > 0))
                (latest, latestTime) = (backup, time);
        }

        if (latest is null)
        {
            // None has a usable time: name the one the reference would have tried to parse.
            var newest = completed.MaxBy(b => b.BackupId, StringComparer.Ordinal)!;
            return new BackupHealthResult(false, $"Failed to parse backup timestamp from ID {GoQuote(newest.BackupId)}", null, null, null);
        }

        var age = now - latestTime;
        if (age < TimeSpan.Zero)
            age = TimeSpan.Zero; // a clock ahead of ours: "0.0h ago", not a negative age
        var hours = FormatHours(age);
        var message = age > threshold
            ? $"Last backup is {hours}h old (threshold: {threshold.TotalHours.ToString("F0", CultureInfo.InvariantCulture)}h)"
            : $"Last {latest.Type} backup completed {hours}h ago";
        return new BackupHealthResult(age <= threshold, message, latestTime, latest.Type, age);
    }

    /// <summary>When <paramref name="backup"/> happened: its <c>stop_timestamp</c>, else its label's own time; null when neither is usable.</summary>
    public static DateTimeOffset? BackupTime(BackupMetadata backup)
    {
        ArgumentNullException.ThrowIfNull(backup);
        if (backup.StopTimestamp is { } stop && (stop.Seconds != 0 || stop.Nanos != 0))
        {
            try
            {
                return stop.ToDateTimeOffset();
            }
            catch (ArgumentOutOfRangeException)
            {
                // outside Timestamp's valid range: fall back to the label
            }
        }

        var id = backup.BackupId ?? string.Empty;
        var underscore = id.IndexOf('_', StringComparison.Ordinal);
        return underscore >= 0 && ParseLabelTime(id[(underscore + 1)..]) is { } own ? own : ParseLabelTime(id);
    }

    /// <summary>
    /// The reference's <c>ParseTime</c>: the first 15 characters of a pgBackRest label as <c>YYYYMMDD-HHMMSS</c> UTC
    /// (<c>20260224-143055F123456</c> → 2026-02-24T14:30:55Z); null when they do not parse.
    /// </summary>
    public static DateTimeOffset? ParseLabelTime(string label)
    {
        if (label is null || label.Length < LabelTimeFormat.Length)
            return null;
        return DateTimeOffset.TryParseExact(label.AsSpan(0, LabelTimeFormat.Length), LabelTimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
    }

    /// <summary>
    /// Go's <c>%.1f</c> of <c>age.Hours()</c>: tenths of an hour, a tie rounded to even (Go's rule; .NET's "F1" would
    /// round it away from zero), computed on ticks so it is exact.
    /// </summary>
    public static string FormatHours(TimeSpan age)
    {
        const long tenth = TimeSpan.TicksPerHour / 10;
        var ticks = Math.Max(0L, age.Ticks);
        var tenths = Math.DivRem(ticks, tenth, out var rest);
        if (2 * rest > tenth || (2 * rest == tenth && tenths % 2 == 1))
            tenths++;
        return (tenths / 10).ToString(CultureInfo.InvariantCulture) + "." + (tenths % 10).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Go's <c>%q</c> for the characters a label can hold: double quotes, with <c>"</c> and <c>\</c> escaped.</summary>
    private static string GoQuote(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (char.IsControl(c))
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
