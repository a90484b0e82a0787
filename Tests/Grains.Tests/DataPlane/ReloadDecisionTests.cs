using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.Grains.DataPlane;
using MultigresOrleans.Grains.DataPlane.ManagerData;

namespace MultigresOrleans.Grains.Tests.DataPlane;

/// <summary>dataplane-contracts §3.3 and §5.5, spec §6.11.</summary>
public sealed class ReloadDecisionTests
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["work_mem"] = "32MB",
        ["statement_timeout"] = "0",
        [ReloadDecision.MarkerSetting] = "abc123",
    };

    private static SettingMismatch Mismatch(string name, string error = "", bool restart = false) =>
        new() { Name = name, Error = error, RequiresRestart = restart };

    [Fact]
    public void The_request_carries_the_whole_reload_set_including_the_marker()
    {
        var request = ReloadDecision.Request(Settings);

        Assert.Equal(Settings, request.ExpectedSettings);
        Assert.Equal("abc123", request.ExpectedSettings["multigres.config_reload_marker"]);
    }

    [Fact]
    public void A_config_load_time_means_reloaded_and_the_pod_is_stamped()
    {
        var loaded = new DateTimeOffset(2026, 8, 21, 10, 0, 0, TimeSpan.Zero);
        var outcome = ReloadDecision.Classify(Settings, new ReloadConfigResponse { ConfigLoadTime = Timestamp.FromDateTimeOffset(loaded) });

        Assert.Equal(ReloadVerdict.Reloaded, outcome.Verdict);
        Assert.Equal(loaded, outcome.ConfigLoadTime);
        Assert.True(outcome.StampPod);
        Assert.Null(outcome.RetryAfter);
        Assert.Empty(outcome.Settings);
        Assert.Equal(new DataPlaneEvent("Normal", "ConfigReloaded", "Reloaded postgresql.conf on pod shard-pool-0 without restart"),
            ReloadDecision.EventFor("shard-pool-0", outcome));
    }

    [Fact]
    public void A_config_load_time_wins_over_needs_restart()
    {
        var outcome = ReloadDecision.Classify(Settings, new ReloadConfigResponse
        {
            ConfigLoadTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddDays(1)),
            NeedsRestart = true,
            Mismatches = { Mismatch("shared_buffers", restart: true) },
        });

        Assert.Equal(ReloadVerdict.Reloaded, outcome.Verdict);
    }

    [Fact]
    public void Needs_restart_names_the_settings_that_need_it_and_does_not_stamp()
    {
        var outcome = ReloadDecision.Classify(Settings, new ReloadConfigResponse
        {
            NeedsRestart = true,
            Mismatches = { Mismatch("work_mem"), Mismatch("wal_buffers", restart: true), Mismatch("huge_pages", restart: true) },
        });

        Assert.Equal(ReloadVerdict.NeedsRestart, outcome.Verdict);
        Assert.Equal(["huge_pages", "wal_buffers"], outcome.Settings);
        Assert.False(outcome.StampPod);
        Assert.Equal(TimeSpan.FromSeconds(10), outcome.RetryAfter);
        Assert.Equal(new DataPlaneEvent("Warning", "ConfigReloadNeedsRestart",
            "pod p-1: reload-classified setting(s) require a restart: [huge_pages wal_buffers]"), ReloadDecision.EventFor("p-1", outcome));
    }

    [Fact]
    public void Needs_restart_without_flagged_mismatches_names_every_mismatch()
    {
        var outcome = ReloadDecision.Classify(Settings, new ReloadConfigResponse { NeedsRestart = true, Mismatches = { Mismatch("work_mem"), Mismatch("work_mem") } });

        Assert.Equal(["work_mem"], outcome.Settings);
        Assert.Equal("pod p: reload-classified setting(s) require a restart: [work_mem]", ReloadDecision.EventFor("p", outcome)!.Message);
    }

    [Fact]
    public void A_stale_mount_is_a_mismatch_to_retry_without_an_event()
    {
        var outcome = ReloadDecision.Classify(Settings, new ReloadConfigResponse
        {
            Mismatches = { Mismatch(ReloadDecision.MarkerSetting), Mismatch("work_mem") },
        });

        Assert.Equal(ReloadVerdict.Mismatch, outcome.Verdict);
        Assert.Equal(["multigres.config_reload_marker", "work_mem"], outcome.Settings);
        Assert.True(outcome.FileNotSynced);
        Assert.Empty(outcome.Errors);
        Assert.False(outcome.StampPod);
        Assert.Equal(TimeSpan.FromSeconds(10), outcome.RetryAfter);
        Assert.Null(ReloadDecision.EventFor("p", outcome));
    }

    [Fact]
    public void A_setting_postgres_rejects_is_a_mismatch_with_its_error()
    {
        var outcome = ReloadDecision.Classify(Settings, new ReloadConfigResponse
        {
            Mismatches = { Mismatch("work_mem", "invalid value for parameter \"work_mem\": \"32XB\"") },
        });

        Assert.Equal(ReloadVerdict.Mismatch, outcome.Verdict);
        Assert.False(outcome.FileNotSynced);
        Assert.Equal("work_mem", Assert.Single(outcome.Errors).Name);
        Assert.Equal("Mismatch: work_mem (error: invalid value for parameter \"work_mem\": \"32XB\")", outcome.Describe());
    }

    [Fact]
    public void A_marker_mismatch_the_request_did_not_expect_is_not_a_stale_mount()
    {
        var outcome = ReloadDecision.Classify(new Dictionary<string, string> { ["work_mem"] = "1MB" },
            new ReloadConfigResponse { Mismatches = { Mismatch(ReloadDecision.MarkerSetting) } });

        Assert.Equal(ReloadVerdict.Mismatch, outcome.Verdict);
        Assert.False(outcome.FileNotSynced);
    }

    [Fact]
    public void An_empty_answer_means_postgres_is_not_running_retry()
    {
        var outcome = ReloadDecision.Classify(Settings, new ReloadConfigResponse());

        Assert.Equal(ReloadVerdict.NotRunning, outcome.Verdict);
        Assert.Empty(outcome.Settings);
        Assert.False(outcome.StampPod);
        Assert.Equal(TimeSpan.FromSeconds(10), outcome.RetryAfter);
        Assert.Null(ReloadDecision.EventFor("p", outcome));
        Assert.Equal("NotRunning", outcome.Describe());
    }

    [Fact]
    public void Describe_lists_flags_but_never_values()
    {
        var outcome = ReloadDecision.Classify(Settings, new ReloadConfigResponse { NeedsRestart = true, Mismatches = { Mismatch("wal_buffers", restart: true) } });

        Assert.Equal("NeedsRestart: wal_buffers (requires restart)", outcome.Describe());
        Assert.DoesNotContain("32MB", outcome.Describe(), StringComparison.Ordinal);
    }
}
