using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.DataPlane;
using MultigresOrleans.Grains.DataPlane.ManagerData;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.DataPlane;

/// <summary>dataplane-contracts §5.1 and spec §8.3, with the §8.4 fixes (stop_timestamp, a diff's own time).</summary>
public sealed class BackupHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 25, 12, 0, 0, TimeSpan.Zero);

    private static BackupMetadata Backup(string id, string type = "full", BackupMetadata.Types.Status status = BackupMetadata.Types.Status.Complete,
        DateTimeOffset? stop = null) => new()
    {
        BackupId = id,
        Type = type,
        Status = status,
        StopTimestamp = stop is { } s ? Timestamp.FromDateTimeOffset(s) : null,
    };

    private static string Label(DateTimeOffset time, char suffix = 'F') => time.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + suffix;

    [Fact]
    public void No_backups_is_unhealthy()
    {
        var result = BackupHealth.Evaluate([], Now);

        Assert.Equal(new BackupHealthResult(false, "No backups found", null, null, null), result);
        Assert.Equal("BackupStale", result.Reason);
        Assert.Equal(ConditionStatus.False, result.Status);
    }

    [Fact]
    public void Only_COMPLETE_backups_count()
    {
        var result = BackupHealth.Evaluate(
            [Backup(Label(Now.AddHours(-1)), status: BackupMetadata.Types.Status.Incomplete), Backup(Label(Now.AddHours(-2)), status: BackupMetadata.Types.Status.Unknown)],
            Now);

        Assert.Equal(new BackupHealthResult(false, "No completed backups found", null, null, null), result);
    }

    [Fact]
    public void A_recent_complete_backup_is_healthy_and_reported()
    {
        var result = BackupHealth.Evaluate([Backup("20260225-093000F")], Now);

        Assert.True(result.Healthy);
        Assert.Equal("Last full backup completed 2.5h ago", result.Message);
        Assert.Equal("BackupRecent", result.Reason);
        Assert.Equal(new DateTimeOffset(2026, 2, 25, 9, 30, 0, TimeSpan.Zero), result.LastBackupTime);
        Assert.Equal("full", result.LastBackupType);
        Assert.Equal(BackupKind.Full, result.LastBackupKind);
        Assert.Equal(TimeSpan.FromHours(2.5), result.Age);
    }

    [Fact]
    public void A_newer_incomplete_backup_does_not_hide_that_the_last_complete_one_is_stale()
    {
        var result = BackupHealth.Evaluate(
            [Backup("20260224-060000F"), Backup("20260225-110000F", status: BackupMetadata.Types.Status.Incomplete)], Now);

        Assert.False(result.Healthy);
        Assert.Equal("Last backup is 30.0h old (threshold: 25h)", result.Message);
        Assert.Equal(new DateTimeOffset(2026, 2, 24, 6, 0, 0, TimeSpan.Zero), result.LastBackupTime);
        Assert.Equal("full", result.LastBackupType);
    }

    [Fact]
    public void Exactly_25_hours_is_still_healthy_and_a_second_more_is_stale()
    {
        var atThreshold = BackupHealth.Evaluate([Backup(Label(Now.AddHours(-25)))], Now);
        var past = BackupHealth.Evaluate([Backup(Label(Now.AddHours(-25).AddSeconds(-1)))], Now);

        Assert.True(atThreshold.Healthy);
        Assert.Equal("Last full backup completed 25.0h ago", atThreshold.Message);
        Assert.False(past.Healthy);
        Assert.Equal("Last backup is 25.0h old (threshold: 25h)", past.Message);
        Assert.NotNull(past.LastBackupTime); // a stale backup is still reported
    }

    [Fact]
    public void The_threshold_can_be_given()
    {
        var result = BackupHealth.Evaluate([Backup(Label(Now.AddHours(-13)))], Now, TimeSpan.FromHours(12));

        Assert.Equal("Last backup is 13.0h old (threshold: 12h)", result.Message);
    }

    [Fact]
    public void An_unparsable_label_without_stop_timestamp_is_unhealthy_and_named()
    {
        var result = BackupHealth.Evaluate([Backup("2026-02-25T09:30"), Backup("backup \"x\"")], Now);

        Assert.Equal(new BackupHealthResult(false, "Failed to parse backup timestamp from ID \"backup \\\"x\\\"\"", null, null, null), result);
    }

    [Fact]
    public void An_unparsable_label_is_skipped_when_another_backup_has_a_time()
    {
        var result = BackupHealth.Evaluate([Backup("zzz-not-a-label"), Backup("20260225-093000F")], Now);

        Assert.True(result.Healthy);
        Assert.Equal(new DateTimeOffset(2026, 2, 25, 9, 30, 0, TimeSpan.Zero), result.LastBackupTime);
    }

    [Fact]
    public void Stop_timestamp_wins_over_the_label()
    {
        var stop = new DateTimeOffset(2026, 2, 25, 10, 45, 0, TimeSpan.Zero);
        var result = BackupHealth.Evaluate([Backup("20260224-060000F", stop: stop)], Now);

        Assert.True(result.Healthy);
        Assert.Equal(stop, result.LastBackupTime);
        Assert.Equal("Last full backup completed 1.2h ago", result.Message); // 1.25 h: a tie, rounded to even as Go does
    }

    [Fact]
    public void A_fresh_diff_on_an_old_full_backup_counts_with_its_own_time()
    {
        // The reference parses the first 15 characters (the full backup's time, 6 days old) and picks the
        // lexicographically greatest label (the newer full backup, 30 h old): stale. The diff ran 2 h ago.
        var result = BackupHealth.Evaluate([Backup("20260224-060000F"), Backup("20260219-010000F_20260225-100000D", "diff")], Now);

        Assert.True(result.Healthy);
        Assert.Equal("Last diff backup completed 2.0h ago", result.Message);
        Assert.Equal(new DateTimeOffset(2026, 2, 25, 10, 0, 0, TimeSpan.Zero), result.LastBackupTime);
        Assert.Equal(BackupKind.Diff, result.LastBackupKind);
    }

    [Fact]
    public void An_incremental_label_with_an_unparsable_suffix_falls_back_to_its_prefix()
    {
        var result = BackupHealth.Evaluate([Backup("20260225-100000F_garbage", "incr")], Now);

        Assert.Equal(new DateTimeOffset(2026, 2, 25, 10, 0, 0, TimeSpan.Zero), result.LastBackupTime);
        Assert.Equal(BackupKind.Incr, result.LastBackupKind);
    }

    [Fact]
    public void Equal_times_are_broken_by_the_greater_backup_id()
    {
        var stop = Now.AddHours(-1);
        var result = BackupHealth.Evaluate([Backup("20260225-100000F_20260225-103000I", "incr", stop: stop), Backup("20260225-100000F", stop: stop)], Now);

        Assert.Equal("incr", result.LastBackupType);
    }

    [Fact]
    public void A_backup_from_the_future_is_zero_hours_old()
    {
        var result = BackupHealth.Evaluate([Backup(Label(Now.AddMinutes(30)))], Now);

        Assert.True(result.Healthy);
        Assert.Equal("Last full backup completed 0.0h ago", result.Message);
        Assert.Equal(TimeSpan.Zero, result.Age);
    }

    [Fact]
    public void An_unknown_type_is_reported_but_has_no_status_enum()
    {
        var result = BackupHealth.Evaluate([Backup("20260225-093000F", "snapshot")], Now);

        Assert.Equal("snapshot", result.LastBackupType);
        Assert.Null(result.LastBackupKind);
    }

    [Fact]
    public void The_reference_label_example_parses_as_UTC()
    {
        Assert.Equal(new DateTimeOffset(2026, 2, 24, 14, 30, 55, TimeSpan.Zero), BackupHealth.ParseLabelTime("20260224-143055F123456"));
        Assert.Null(BackupHealth.ParseLabelTime("20260224-1430"));
        Assert.Null(BackupHealth.ParseLabelTime("20261324-143055F"));
        Assert.Null(BackupHealth.ParseLabelTime(""));
    }

    [Theory]
    [InlineData(0, "0.0")]
    [InlineData(0.04, "0.0")]
    [InlineData(0.05, "0.0")] // tie → even
    [InlineData(0.15, "0.2")] // tie → even
    [InlineData(0.25, "0.2")]
    [InlineData(0.2500001, "0.3")]
    [InlineData(25, "25.0")]
    [InlineData(123.96, "124.0")]
    public void Hours_format_like_Go(double hours, string expected) =>
        Assert.Equal(expected, BackupHealth.FormatHours(TimeSpan.FromTicks((long)Math.Round(hours * TimeSpan.TicksPerHour))));

    [Fact]
    public void For_full_backups_without_stop_timestamps_the_result_is_the_references()
    {
        var gen = Gen.Choose(0, 24 * 60 * 4).Select(m => Now.AddMinutes(-m).AddSeconds(m % 60))
            .Zip(Gen.Elements(BackupMetadata.Types.Status.Complete, BackupMetadata.Types.Status.Incomplete, BackupMetadata.Types.Status.Unknown))
            .ListOf();
        Prop.ForAll(gen.ToArbitrary(), list =>
        {
            var backups = list.Select(x => Backup(Label(x.Item1), status: x.Item2)).ToList();
            return BackupHealth.Evaluate(backups, Now) == Reference(backups, Now);
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>backuphealth.EvaluateBackups of the reference, restated from §5.1.</summary>
    private static BackupHealthResult Reference(IReadOnlyList<BackupMetadata> backups, DateTimeOffset now)
    {
        if (backups.Count == 0) return new(false, "No backups found", null, null, null);
        var latest = backups.Where(b => b.Status == BackupMetadata.Types.Status.Complete).MaxBy(b => b.BackupId, StringComparer.Ordinal);
        if (latest is null) return new(false, "No completed backups found", null, null, null);
        var time = DateTimeOffset.ParseExact(latest.BackupId[..15], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var age = now - time;
        var hours = BackupHealth.FormatHours(age);
        return age > TimeSpan.FromHours(25)
            ? new(false, $"Last backup is {hours}h old (threshold: 25h)", time, latest.Type, age)
            : new(true, $"Last {latest.Type} backup completed {hours}h ago", time, latest.Type, age);
    }

    [Fact]
    public void The_condition_carries_type_status_reason_and_message()
    {
        var healthy = BackupHealth.Evaluate([Backup("20260225-093000F")], Now).ToCondition(Now, 7);
        var stale = BackupHealth.Evaluate([], Now).ToCondition(Now, null);

        Assert.Equal(new Condition
        {
            Type = "BackupHealthy", Status = ConditionStatus.True, Reason = "BackupRecent", Message = "Last full backup completed 2.5h ago",
            LastTransitionTime = Now, ObservedGeneration = 7,
        }, healthy);
        Assert.Equal(ConditionStatus.False, stale.Status);
        Assert.Equal("BackupStale", stale.Reason);
        Assert.Equal("No backups found", stale.Message);
    }

    [Theory]
    [InlineData(true, null, "Normal", "BackupHealthy")]
    [InlineData(true, ConditionStatus.False, "Normal", "BackupHealthy")]
    [InlineData(true, ConditionStatus.Unknown, "Normal", "BackupHealthy")]
    [InlineData(true, ConditionStatus.True, null, null)]
    [InlineData(false, ConditionStatus.True, "Warning", "BackupStale")]
    [InlineData(false, ConditionStatus.False, null, null)]
    [InlineData(false, null, null, null)] // absent → unhealthy emits nothing
    public void Events_mark_transitions_only(bool healthy, ConditionStatus? previous, string? type, string? reason)
    {
        var result = healthy ? BackupHealth.Evaluate([Backup("20260225-093000F")], Now) : BackupHealth.Evaluate([], Now);

        var e = result.TransitionEvent(previous);

        Assert.Equal(type, e?.Type);
        Assert.Equal(reason, e?.Reason);
        if (e is not null)
            Assert.Equal(result.Message, e.Message);
    }

    [Fact]
    public void The_check_asks_for_every_backup_and_reports_failures_as_the_reference_words_them()
    {
        Assert.Equal(0u, BackupHealth.Request().Limit);
        Assert.Equal(new DataPlaneEvent("Warning", "BackupCheckFailed", "Failed to check backup health: querying backups from primary multipooler-z1-p0: boom"),
            BackupHealth.CheckFailedEvent("querying backups from primary multipooler-z1-p0: boom"));
    }
}
