using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Grains.Builders.Shards;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Shards;

public sealed class ShardStatusBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 8, 21, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Earlier = Now.AddHours(-3);

    private static Pod PoolPod(Shard shard, int index, bool ready = true, string pool = "default", string cell = "zone-a", PostgresConfigRender? config = null)
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta
            {
                Name = PoolPodMetadata.PodName(shard, pool, cell, index),
                Labels = PoolPodMetadata.PodLabels(shard, pool, cell),
                Annotations = config is null ? null : new Dictionary<string, string>
                {
                    [AnnotationKeys.PostgresConfigHash] = config.RestartHash,
                    [AnnotationKeys.PostgresReloadHash] = config.ReloadHash,
                },
            },
            Status = new PodStatus { Conditions = [new PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
        };
        return pod;
    }

    private static Pod CrashLooping(Pod pod)
    {
        pod.Status!.ContainerStatuses = [new ContainerStatus { Name = "postgres", State = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff" } } }];
        return pod;
    }

    private static Deployment Orch(Shard shard, string cell = "zone-a", long generation = 2, long observed = 2, int ready = 1)
    {
        var deployment = MultiOrchDeploymentBuilder.Build(shard, cell, OperatorEnvironment.Empty);
        deployment.Metadata.Generation = generation;
        deployment.Status = new WorkloadStatus { ObservedGeneration = observed, ReadyReplicas = ready, Replicas = ready };
        return deployment;
    }

    private static ShardStatusResult Compute(Shard shard, IReadOnlyList<Pod> pods, IReadOnlyList<Deployment>? orch = null, Func<ShardStatusInputs, ShardStatusInputs>? edit = null)
    {
        var inputs = new ShardStatusInputs { PoolPods = pods, MultiOrchDeployments = orch ?? [Orch(shard)], Now = Now };
        return ShardStatusBuilder.Compute(shard, edit is null ? inputs : edit(inputs));
    }

    [Fact]
    public void All_pods_ready_and_orch_converged_is_healthy()
    {
        var shard = ShardFixtures.Minimal();
        var result = Compute(shard, [PoolPod(shard, 0), PoolPod(shard, 1)]);
        var status = result.Status;
        Assert.Equal((Phase.Healthy, "Ready"), (status.Phase!.Value, status.Message));
        Assert.True(status.PoolsReady);
        Assert.True(status.OrchReady);
        Assert.Equal(2, status.ReadyReplicas);
        Assert.Equal(4, status.ObservedGeneration);
        Assert.Equal(["zone-a"], status.Cells!);
        var available = Assert.Single(status.Conditions!);
        Assert.Equal((ConditionTypes.Available, ConditionStatus.True, "AllPodsReady", "All 2 pods are ready", (long?)4),
            (available.Type, available.Status, available.Reason, available.Message, available.ObservedGeneration));
        Assert.Equal([new PoolCellReadiness("default", "zone-a", 2, 2, false)], result.Pools);
        Assert.Equal([new OrchCellReadiness("zone-a", true, true)], result.Orch);
        Assert.Empty(result.EmptyPools);
    }

    [Fact]
    public void A_missing_ready_pod_is_progressing_with_counts()
    {
        var shard = ShardFixtures.Minimal();
        var status = Compute(shard, [PoolPod(shard, 0), PoolPod(shard, 1, ready: false)]).Status;
        Assert.Equal((Phase.Progressing, "PoolsReady: false, OrchReady: true"), (status.Phase!.Value, status.Message));
        var available = Assert.Single(status.Conditions!);
        Assert.Equal((ConditionStatus.False, "NotAllPodsReady", "1/2 pods ready"), (available.Status, available.Reason, available.Message));
        Assert.Equal(1, status.ReadyReplicas);
    }

    [Fact]
    public void A_missing_or_stale_or_short_orch_deployment_is_not_ready()
    {
        var shard = ShardFixtures.Minimal();
        foreach (var orch in new[] { Array.Empty<Deployment>(), [Orch(shard, generation: 3, observed: 2)], [Orch(shard, ready: 0)], [Orch(shard, cell: "zone-b")] })
        {
            var result = Compute(shard, [PoolPod(shard, 0), PoolPod(shard, 1)], orch);
            Assert.False(result.Status.OrchReady);
            Assert.Equal("PoolsReady: true, OrchReady: false", result.Status.Message);
            Assert.Equal(Phase.Progressing, result.Status.Phase);
        }

        Assert.False(Assert.Single(Compute(shard, [], []).Orch).Exists);
    }

    [Fact]
    public void Crash_looping_pool_pod_degrades_and_wins_over_orch_crash()
    {
        var shard = ShardFixtures.Minimal();
        var orchPod = CrashLooping(new Pod { Metadata = new ObjectMeta { Name = "orch", Labels = MultiOrchMetadata.Labels(shard, "zone-a") }, Status = new PodStatus() });
        var pool = Compute(shard, [CrashLooping(PoolPod(shard, 0)), PoolPod(shard, 1)]);
        Assert.Equal((Phase.Degraded, "One or more pool pods are crash-looping"), (pool.Status.Phase!.Value, pool.Status.Message));
        Assert.True(pool.Pools[0].CrashLooping);

        var both = Compute(shard, [CrashLooping(PoolPod(shard, 0))], edit: i => i with { MultiOrchPods = [orchPod] });
        Assert.Equal("One or more pool pods are crash-looping", both.Status.Message);

        var orchOnly = Compute(shard, [PoolPod(shard, 0), PoolPod(shard, 1)], edit: i => i with { MultiOrchPods = [orchPod] });
        Assert.Equal((Phase.Degraded, "One or more Multiorch pods are crash-looping"), (orchOnly.Status.Phase!.Value, orchOnly.Status.Message));
    }

    [Fact]
    public void Crash_looping_orch_pods_of_other_shards_or_deleting_are_ignored()
    {
        var shard = ShardFixtures.Minimal();
        var foreignLabels = MultiOrchMetadata.Labels(shard, "zone-a");
        foreignLabels[LabelKeys.Shard] = "other";
        var foreign = CrashLooping(new Pod { Metadata = new ObjectMeta { Labels = foreignLabels }, Status = new PodStatus() });
        var deleting = CrashLooping(new Pod { Metadata = new ObjectMeta { Labels = MultiOrchMetadata.Labels(shard, "zone-a"), DeletionTimestamp = Now }, Status = new PodStatus() });
        var result = Compute(shard, [PoolPod(shard, 0), PoolPod(shard, 1)], edit: i => i with { MultiOrchPods = [foreign, deleting] });
        Assert.Equal(Phase.Healthy, result.Status.Phase);
    }

    [Fact]
    public void Deleting_draining_and_foreign_pods_are_not_counted()
    {
        var shard = ShardFixtures.Minimal();
        var deleting = PoolPod(shard, 0);
        deleting.Metadata.DeletionTimestamp = Now;
        var draining = PoolPod(shard, 1);
        draining.Metadata.Annotations = new Dictionary<string, string> { [AnnotationKeys.DrainState] = AnnotationValues.DrainRequested };
        var otherCell = PoolPod(shard, 0, cell: "zone-b");
        var otherPool = PoolPod(shard, 0, pool: "analytics");
        var crashingButDraining = CrashLooping(PoolPod(shard, 3));
        crashingButDraining.Metadata.Annotations = new Dictionary<string, string> { [AnnotationKeys.DrainRequestedAt] = "2026-08-21T01:00:00Z" };
        var result = Compute(shard, [deleting, draining, otherCell, otherPool, crashingButDraining, PoolPod(shard, 2)]);
        Assert.Equal(new PoolCellReadiness("default", "zone-a", 1, 2, false), Assert.Single(result.Pools));
        Assert.Equal("1/2 pods ready", result.Status.Conditions![0].Message);
        Assert.NotEqual(Phase.Degraded, result.Status.Phase);
    }

    [Fact]
    public void A_pool_without_ready_pods_is_reported_empty()
    {
        var shard = ShardFixtures.Minimal();
        var result = Compute(shard, []);
        Assert.Equal(new PoolCellReadiness("default", "zone-a", 0, 2, false), Assert.Single(result.EmptyPools));
        Assert.Equal(0, result.Status.ReadyReplicas);
        Assert.False(result.Status.PoolsReady);
    }

    [Fact]
    public void Desired_defaults_to_one_per_cell_and_sums_over_pools_and_cells()
    {
        var shard = ShardFixtures.Minimal(s => s with
        {
            Pools = new Dictionary<string, PoolSpec>
            {
                ["default"] = new PoolSpec { Cells = ["zone-a", "zone-b"], ReplicasPerCell = 2 },
                ["analytics"] = new PoolSpec { Cells = ["zone-b"] },
            },
        });
        var result = Compute(shard, [PoolPod(shard, 0, pool: "analytics", cell: "zone-b")], [Orch(shard), Orch(shard, "zone-b")]);
        Assert.Equal(
            [new PoolCellReadiness("analytics", "zone-b", 1, 1, false), new PoolCellReadiness("default", "zone-a", 0, 2, false), new PoolCellReadiness("default", "zone-b", 0, 2, false)],
            result.Pools);
        Assert.Equal("1/5 pods ready", result.Status.Conditions![0].Message);
        Assert.Equal(["zone-a", "zone-b"], result.Status.Cells!);
    }

    [Fact]
    public void Cells_are_the_sorted_union_of_pool_and_orch_cells()
    {
        var shard = ShardFixtures.Minimal(s => s with { Multiorch = new MultiorchSpec { Cells = ["zone-c", "zone-0"] } });
        var status = Compute(shard, [], [Orch(shard, "zone-c"), Orch(shard, "zone-0")]).Status;
        Assert.Equal(["zone-0", "zone-a", "zone-c"], status.Cells!);
        Assert.True(status.OrchReady);
    }

    [Fact]
    public void No_pods_wanted_is_progressing_with_zero_counts()
    {
        var shard = ShardFixtures.Minimal(s => s with { Pools = new Dictionary<string, PoolSpec>() });
        var status = Compute(shard, [], []).Status;
        Assert.Equal((Phase.Progressing, "PoolsReady: false, OrchReady: true"), (status.Phase!.Value, status.Message));
        Assert.Equal("0/0 pods ready", status.Conditions![0].Message);
        Assert.Empty(status.Cells!);
    }

    [Fact]
    public void Existing_conditions_are_kept_and_unchanged_available_keeps_its_transition_time()
    {
        var rolling = new Condition { Type = "RollingUpdate", Status = ConditionStatus.True, Reason = "InProgress", Message = "m", LastTransitionTime = Earlier };
        var oldAvailable = new Condition { Type = ConditionTypes.Available, Status = ConditionStatus.True, Reason = "AllPodsReady", Message = "All 2 pods are ready", LastTransitionTime = Earlier };
        var shard = ShardFixtures.Minimal(status: new ShardStatus { OrchReady = true, PoolsReady = true, Conditions = [rolling, oldAvailable] });
        var conditions = Compute(shard, [PoolPod(shard, 0), PoolPod(shard, 1)]).Status.Conditions!;
        Assert.Equal(["RollingUpdate", ConditionTypes.Available], conditions.Select(c => c.Type));
        Assert.Equal(Earlier, conditions[1].LastTransitionTime);

        var flipped = Compute(shard, [PoolPod(shard, 0)]).Status.Conditions!;
        Assert.Equal(Now, flipped[1].LastTransitionTime);
    }

    [Fact]
    public void Backup_fields_and_condition_pass_through_and_absent_input_keeps_them()
    {
        var previous = new ShardStatus { OrchReady = true, PoolsReady = true, LastBackupTime = Earlier, LastBackupType = BackupKind.Full };
        var shard = ShardFixtures.Minimal(status: previous);
        var kept = Compute(shard, []).Status;
        Assert.Equal((Earlier, BackupKind.Full), (kept.LastBackupTime!.Value, kept.LastBackupType!.Value));
        Assert.DoesNotContain(kept.Conditions!, c => c.Type == "BackupHealthy");

        var healthy = new Condition { Type = "BackupHealthy", Status = ConditionStatus.True, Reason = "BackupRecent", Message = "Last incr backup completed 1.0h ago", LastTransitionTime = Now };
        var updated = Compute(shard, [], edit: i => i with { Backup = new ShardBackupStatus(Now.AddHours(-1), BackupKind.Incr, healthy) }).Status;
        Assert.Equal((Now.AddHours(-1), BackupKind.Incr), (updated.LastBackupTime!.Value, updated.LastBackupType!.Value));
        Assert.Equal("BackupRecent", updated.Conditions!.Single(c => c.Type == "BackupHealthy").Reason);

        var cleared = Compute(shard, [], edit: i => i with { Backup = new ShardBackupStatus(null, null, null) }).Status;
        Assert.Null(cleared.LastBackupTime);
        Assert.Null(cleared.LastBackupType);
    }

    [Fact]
    public void Rolling_update_is_true_while_pods_are_drifted_counts_them_per_pool_and_absent_input_keeps_it()
    {
        var shard = ShardFixtures.Minimal();
        var pods = new[] { PoolPod(shard, 0), PoolPod(shard, 1), PoolPod(shard, 0, pool: "zz", cell: "zone-a") };
        Condition Rolling(ShardStatus status) => status.Conditions!.Single(c => c.Type == ConditionTypes.RollingUpdate);

        var two = Rolling(Compute(shard, pods, edit: i => i with { DriftedPods = [pods[0].Metadata.Name!, pods[2].Metadata.Name!] }).Status);
        Assert.Equal((ConditionStatus.True, "PodsDrifted"), (two.Status, two.Reason));
        Assert.Equal("2 pods need update (1 in pool default, 1 in pool zz)", two.Message);

        var one = Rolling(Compute(shard, pods, edit: i => i with { DriftedPods = [pods[1].Metadata.Name!, "a-pod-of-another-shard"] }).Status);
        Assert.Equal("1 pod needs update (1 in pool default)", one.Message);

        var done = Rolling(Compute(shard, pods, edit: i => i with { DriftedPods = [] }).Status);
        Assert.Equal((ConditionStatus.False, "PodsUpToDate", "All pods up to date"), (done.Status, done.Reason, done.Message));

        // Without drift facts (the pre-pool status write) the condition is left as it was: here, absent.
        Assert.DoesNotContain(Compute(shard, pods).Status.Conditions!, c => c.Type == ConditionTypes.RollingUpdate);
    }

    [Fact]
    public void Pod_roles_pass_through_and_absent_input_keeps_the_current_roles()
    {
        var shard = ShardFixtures.Minimal(status: new ShardStatus { OrchReady = true, PoolsReady = true, PodRoles = new Dictionary<string, string> { ["p0"] = "PRIMARY" } });
        Assert.Equal("PRIMARY", Compute(shard, []).Status.PodRoles!["p0"]);
        var roles = new Dictionary<string, string> { ["p0"] = "REPLICA", ["p1"] = "PRIMARY" };
        Assert.Equal(roles, Compute(shard, [], edit: i => i with { PodRoles = roles }).Status.PodRoles);
        Assert.Empty(Compute(shard, [], edit: i => i with { PodRoles = new Dictionary<string, string>() }).Status.PodRoles!);
    }

    [Fact]
    public void Postgres_config_error_wins_and_keeps_last_applied_at()
    {
        var shard = ShardFixtures.Minimal(status: new ShardStatus { OrchReady = true, PoolsReady = true, PostgresConfig = new PostgresConfigStatus { LastAppliedAt = Earlier } });
        var render = PostgresConfigRenderer.Render(shard, null);
        var config = Compute(shard, [PoolPod(shard, 0, config: render)], edit: i => i with { PostgresConfig = render, PostgresConfigError = "key \"k\" not found in ConfigMap \"c\"" }).Status.PostgresConfig!;
        Assert.Equal("key \"k\" not found in ConfigMap \"c\"", config.Error);
        Assert.NotEqual(true, config.InProgress);
        Assert.Equal(Earlier, config.LastAppliedAt);
    }

    [Fact]
    public void Postgres_config_is_in_progress_while_a_counted_pod_has_an_old_hash()
    {
        var shard = ShardFixtures.Minimal(status: new ShardStatus { OrchReady = true, PoolsReady = true, PostgresConfig = new PostgresConfigStatus { LastAppliedAt = Earlier } });
        var render = PostgresConfigRenderer.Render(shard, null);
        var stale = PoolPod(shard, 1, config: render with { ReloadHash = "old" });
        var config = Compute(shard, [PoolPod(shard, 0, config: render), stale], edit: i => i with { PostgresConfig = render }).Status.PostgresConfig!;
        Assert.Equal(new PostgresConfigStatus { InProgress = true, LastAppliedAt = Earlier }, config);

        // The same stale pod no longer counts once it drains.
        stale.Metadata.Annotations![AnnotationKeys.DrainState] = AnnotationValues.DrainDraining;
        var drained = Compute(shard, [PoolPod(shard, 0, config: render), stale], edit: i => i with { PostgresConfig = render }).Status.PostgresConfig!;
        Assert.Null(drained.InProgress);
    }

    [Fact]
    public void A_crash_looping_pod_on_the_new_config_keeps_the_rollout_in_progress()
    {
        var shard = ShardFixtures.Minimal();
        var render = PostgresConfigRenderer.Render(shard, null);
        var config = Compute(shard, [CrashLooping(PoolPod(shard, 0, config: render))], edit: i => i with { PostgresConfig = render }).Status.PostgresConfig!;
        Assert.True(config.InProgress);
    }

    [Fact]
    public void Settling_stamps_now_only_on_the_transition_into_settled()
    {
        var render = PostgresConfigRenderer.Render(ShardFixtures.Minimal(), null);
        PostgresConfigStatus? Settle(PostgresConfigStatus? previous)
        {
            var shard = ShardFixtures.Minimal(status: new ShardStatus { OrchReady = true, PoolsReady = true, PostgresConfig = previous });
            return Compute(shard, [PoolPod(shard, 0, config: render), PoolPod(shard, 1, config: render)], edit: i => i with { PostgresConfig = render }).Status.PostgresConfig;
        }

        Assert.Equal(new PostgresConfigStatus { LastAppliedAt = Now }, Settle(null));
        Assert.Equal(new PostgresConfigStatus { LastAppliedAt = Now }, Settle(new PostgresConfigStatus { InProgress = true, LastAppliedAt = Earlier }));
        Assert.Equal(new PostgresConfigStatus { LastAppliedAt = Now }, Settle(new PostgresConfigStatus { Error = "boom", LastAppliedAt = Earlier }));
        Assert.Equal(new PostgresConfigStatus { LastAppliedAt = Earlier }, Settle(new PostgresConfigStatus { LastAppliedAt = Earlier }));
    }

    [Fact]
    public void No_counted_pods_is_settled_and_no_render_keeps_the_previous_value()
    {
        var previous = new PostgresConfigStatus { InProgress = true, LastAppliedAt = Earlier };
        var shard = ShardFixtures.Minimal(status: new ShardStatus { OrchReady = true, PoolsReady = true, PostgresConfig = previous });
        var render = PostgresConfigRenderer.Render(shard, null);
        Assert.Equal(new PostgresConfigStatus { LastAppliedAt = Now }, Compute(shard, [], edit: i => i with { PostgresConfig = render }).Status.PostgresConfig);
        Assert.Same(previous, Compute(shard, []).Status.PostgresConfig);
    }
}
