using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Tests.Builders.TableGroups;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Statuses;

/// <summary>TableGroup status (spec §11.3): every phase branch and every condition refinement.</summary>
public sealed class TableGroupStatusBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 8, 21, 2, 0, 0, TimeSpan.Zero);
    private const string A = "a";
    private const string B = "b";

    private static TableGroup Tg(int shards) =>
        TableGroupFixtures.Minimal(Enumerable.Range(0, shards).Select(i => TableGroupFixtures.Shard($"s{i}")).ToList());

    private static Dictionary<string, long> Applied(params string[] names) => names.ToDictionary(n => n, _ => 1L);

    private static (Phase?, string?, ConditionStatus, string, string) Summary(TableGroupStatus s)
    {
        var c = Assert.Single(s.Conditions!);
        Assert.Equal("Available", c.Type);
        return (s.Phase, s.Message, c.Status, c.Reason, c.Message);
    }

    [Fact]
    public void All_counted_shards_healthy_is_healthy_and_available()
    {
        var status = TableGroupStatusBuilder.Compute(Tg(2), [TableGroupFixtures.Observed(A, phase: Phase.Healthy), TableGroupFixtures.Observed(B, phase: Phase.Healthy)], Applied(A, B), false, Now);

        Assert.Equal((Phase.Healthy, "Ready", ConditionStatus.True, "ShardsReady", "2/2 shards ready"), Summary(status));
        Assert.Equal((2, 2, 4L), (status.ReadyShards, status.TotalShards, status.ObservedGeneration!.Value));
        Assert.Equal(4L, status.Conditions![0].ObservedGeneration);
    }

    [Fact]
    public void Partly_ready_is_progressing_with_counts()
    {
        var status = TableGroupStatusBuilder.Compute(Tg(2), [TableGroupFixtures.Observed(A, phase: Phase.Healthy), TableGroupFixtures.Observed(B, phase: Phase.Progressing)], Applied(A, B), false, Now);

        Assert.Equal((Phase.Progressing, "1/2 shards ready", ConditionStatus.False, "ShardsNotReady", "1/2 shards ready"), Summary(status));
    }

    [Fact]
    public void A_degraded_shard_wins_even_over_pending_cleanup()
    {
        var status = TableGroupStatusBuilder.Compute(Tg(2), [TableGroupFixtures.Observed(A, phase: Phase.Degraded), TableGroupFixtures.Observed(B, phase: Phase.Healthy)], Applied(A, B), true, Now);

        Assert.Equal((Phase.Degraded, "At least one shard is degraded", ConditionStatus.False, "ShardDegraded", "At least one shard is degraded"), Summary(status));
        Assert.Equal(1, status.ReadyShards);
    }

    [Fact]
    public void Pending_cleanup_forces_progressing_with_cleanup_reason()
    {
        var status = TableGroupStatusBuilder.Compute(Tg(1), [TableGroupFixtures.Observed(A, phase: Phase.Healthy)], Applied(A), true, Now);

        Assert.Equal((Phase.Progressing, "Waiting for shard cleanup to finish", ConditionStatus.False, "CleanupPending", "Waiting for shard cleanup to finish"), Summary(status));
    }

    [Fact]
    public void No_shards_is_initializing_but_available()
    {
        var status = TableGroupStatusBuilder.Compute(Tg(0), [], Applied(), false, Now);

        Assert.Equal((Phase.Initializing, "No Shards", ConditionStatus.True, "NoShards", "No Shards"), Summary(status));
        Assert.Equal((0, 0), (status.ReadyShards, status.TotalShards));
    }

    [Fact]
    public void No_shards_with_pending_cleanup_is_progressing_and_not_available()
    {
        var status = TableGroupStatusBuilder.Compute(Tg(0), [TableGroupFixtures.Observed(A, marked: true)], Applied(), true, Now);

        Assert.Equal((Phase.Progressing, "Waiting for shard cleanup to finish", ConditionStatus.False, "CleanupPending", "Waiting for shard cleanup to finish"), Summary(status));
    }

    [Fact]
    public void Children_with_a_stale_observed_generation_or_not_applied_are_not_counted()
    {
        var observed = new[]
        {
            TableGroupFixtures.Observed(A, phase: Phase.Healthy, observedGeneration: 1),
            TableGroupFixtures.Observed(B, phase: Phase.Degraded),
        };

        var status = TableGroupStatusBuilder.Compute(Tg(1), observed, new Dictionary<string, long> { [A] = 2 }, false, Now);

        Assert.Equal((Phase.Progressing, "0/1 shards ready", ConditionStatus.False, "ShardsNotReady", "0/1 shards ready"), Summary(status));
    }

    [Fact]
    public void The_transition_time_survives_an_unchanged_condition()
    {
        var earlier = Now.AddHours(-1);
        var tg = Tg(1) with
        {
            Status = new TableGroupStatus
            {
                ReadyShards = 1, TotalShards = 1,
                Conditions = [ConditionSet.Make("Available", true, "ShardsReady", "1/1 shards ready", 3, earlier)],
            },
        };

        var status = TableGroupStatusBuilder.Compute(tg, [TableGroupFixtures.Observed(A, phase: Phase.Healthy)], Applied(A), false, Now);

        Assert.Equal(earlier, status.Conditions![0].LastTransitionTime);
        Assert.Equal(4L, status.Conditions[0].ObservedGeneration);
    }

    [Fact]
    public void Ready_for_deletion_condition_of_a_pending_table_group()
    {
        var condition = Assert.Single(TableGroupStatusBuilder.ReadyForDeletion(Tg(1), Now));

        Assert.Equal(("ReadyForDeletion", ConditionStatus.True, "AllShardsReady", "All child Shards are ready for deletion"),
            (condition.Type, condition.Status, condition.Reason, condition.Message));
    }
}
