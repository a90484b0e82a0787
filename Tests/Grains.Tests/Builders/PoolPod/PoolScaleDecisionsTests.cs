using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.PoolPods;

public sealed class PoolScaleDecisionsTests
{
    private const string Base = "minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b";

    internal static Pod ObservedPod(int index, bool ready = true, string? drain = null, bool deleting = false, string? phase = "Running", bool scheduled = true, string? name = null)
    {
        var conditions = new List<PodCondition>();
        if (scheduled)
            conditions.Add(new PodCondition { Type = "PodScheduled", Status = "True" });
        conditions.Add(new PodCondition { Type = "Ready", Status = ready ? "True" : "False" });
        return new Pod
        {
            Metadata = new ObjectMeta
            {
                Name = name ?? Base + "-" + index,
                Annotations = drain is null ? [] : new Dictionary<string, string> { [AnnotationKeys.DrainState] = drain },
                DeletionTimestamp = deleting ? DateTimeOffset.UnixEpoch : null,
                Labels = new Dictionary<string, string> { [LabelKeys.Cell] = "zone-a" },
            },
            Status = new PodStatus { Phase = phase, Conditions = conditions },
        };
    }

    internal static PersistentVolumeClaim ObservedPvc(int index, string size = "1Gi", string? orphanSince = null) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "data-" + Base + "-" + index,
            Labels = orphanSince is null ? [] : new Dictionary<string, string> { [LabelKeys.OrphanSince] = orphanSince },
        },
        Spec = new PersistentVolumeClaimSpec
        {
            Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["storage"] = size } },
        },
    };

    [Fact]
    public void Bootstrap_creates_every_missing_pod_and_pvc_in_one_pass()
    {
        var plan = PoolScaleDecisions.PlanCreate(Base, 3, "1Gi", [], []);
        Assert.Equal([0, 1, 2], plan.MissingPodIndexes);
        Assert.Equal([0, 1, 2], plan.MissingPvcIndexes);
        Assert.True(plan.ActionTaken);
    }

    [Fact]
    public void Scale_up_creates_only_the_gaps_and_readopts_orphaned_pvcs()
    {
        var plan = PoolScaleDecisions.PlanCreate(
            Base, 4, "1Gi",
            [ObservedPod(0), ObservedPod(2)],
            [ObservedPvc(0), ObservedPvc(1, orphanSince: "2026-08-21T02-00-00Z"), ObservedPvc(2)]);
        Assert.Equal([1, 3], plan.MissingPodIndexes);
        Assert.Equal([3], plan.MissingPvcIndexes);
        Assert.Equal(["data-" + Base + "-1"], plan.PvcsToClearOrphanLabel);
        Assert.Empty(plan.PvcsToExpand);
    }

    [Fact]
    public void A_complete_pool_needs_no_action()
    {
        var plan = PoolScaleDecisions.PlanCreate(Base, 2, "1Gi", [ObservedPod(0), ObservedPod(1)], [ObservedPvc(0), ObservedPvc(1)]);
        Assert.Empty(plan.MissingPodIndexes);
        Assert.Empty(plan.MissingPvcIndexes);
        Assert.False(plan.ActionTaken);
        Assert.Null(plan.TerminatedPodToDelete);
    }

    [Fact]
    public void Grown_storage_plans_an_expansion_but_never_a_shrink()
    {
        var grow = PoolScaleDecisions.PlanCreate(Base, 2, "10Gi", [ObservedPod(0), ObservedPod(1)], [ObservedPvc(0), ObservedPvc(1, size: "20Gi")]);
        var expansion = Assert.Single(grow.PvcsToExpand);
        Assert.Equal("data-" + Base + "-0", expansion.PvcName);
        Assert.Equal("1Gi", expansion.From.Value);
        Assert.Equal("10Gi", expansion.To.Value);
    }

    [Fact]
    public void A_terminated_pod_is_deleted_only_when_nothing_else_happened()
    {
        var alone = PoolScaleDecisions.PlanCreate(Base, 2, "1Gi", [ObservedPod(0, phase: "Failed"), ObservedPod(1)], [ObservedPvc(0), ObservedPvc(1)]);
        Assert.Equal(Base + "-0", alone.TerminatedPodToDelete);
        Assert.True(alone.ActionTaken);

        // Index 0 is created first, so the failed pod at index 1 waits for a later pass.
        var afterCreate = PoolScaleDecisions.PlanCreate(Base, 2, "1Gi", [ObservedPod(1, phase: "Succeeded")], [ObservedPvc(0), ObservedPvc(1)]);
        Assert.Equal([0], afterCreate.MissingPodIndexes);
        Assert.Null(afterCreate.TerminatedPodToDelete);
    }

    [Fact]
    public void An_externally_deleted_scheduled_pod_is_drained_but_an_unscheduled_one_is_ignored()
    {
        var scheduled = PoolScaleDecisions.PlanCreate(Base, 1, "1Gi", [ObservedPod(0, deleting: true)], [ObservedPvc(0)]);
        Assert.Equal(Base + "-0", scheduled.ExternallyDeletedPodToDrain);

        var unscheduled = PoolScaleDecisions.PlanCreate(Base, 1, "1Gi", [ObservedPod(0, deleting: true, scheduled: false)], [ObservedPvc(0)]);
        Assert.Null(unscheduled.ExternallyDeletedPodToDrain);
        Assert.True(unscheduled.ActionTaken);

        var alreadyDraining = PoolScaleDecisions.PlanCreate(Base, 1, "1Gi", [ObservedPod(0, deleting: true, drain: "draining")], [ObservedPvc(0)]);
        Assert.Null(alreadyDraining.ExternallyDeletedPodToDrain);
    }

    [Fact]
    public void Scale_down_retires_the_highest_index_first()
    {
        var pods = new[] { ObservedPod(0), ObservedPod(1), ObservedPod(2), ObservedPod(3) };
        var plan = PoolScaleDecisions.PlanScaleDown(pods, 2, null, actionTaken: false);
        Assert.Equal([Base + "-2", Base + "-3"], plan.ExtraPods);
        Assert.Equal(Base + "-3", plan.PodToDrain);
        Assert.True(plan.ActionTaken);
        Assert.Null(plan.BlockedMessage);
    }

    [Fact]
    public void Scale_down_prefers_a_non_primary_pod()
    {
        var pods = new[] { ObservedPod(0), ObservedPod(1), ObservedPod(2) };
        var roles = new Dictionary<string, string> { [Base + "-2"] = "PRIMARY", [Base + "-1"] = "REPLICA" };
        Assert.Equal(Base + "-1", PoolScaleDecisions.PlanScaleDown(pods, 1, roles, false).PodToDrain);
    }

    [Fact]
    public void Primary_role_is_found_by_fqdn_prefix()
    {
        var roles = new Dictionary<string, string> { [Base + "-2.headless.default.svc.cluster.local"] = "PRIMARY" };
        Assert.Equal("PRIMARY", PoolScaleDecisions.PodRole(Base + "-2", roles));
        Assert.Null(PoolScaleDecisions.PodRole(Base + "-20", roles));
    }

    [Fact]
    public void Scale_down_prefers_a_non_ready_extra_pod_over_a_higher_index()
    {
        var extraNotReady = ObservedPod(2, ready: false);
        var score = PoolScaleDecisions.SelectPodToRetire([extraNotReady, ObservedPod(3)], null);
        Assert.Equal(Base + "-2", score);
    }

    [Fact]
    public void Scale_down_is_blocked_while_a_staying_pod_is_not_ready()
    {
        var pods = new[] { ObservedPod(0, ready: false), ObservedPod(1), ObservedPod(2) };
        var plan = PoolScaleDecisions.PlanScaleDown(pods, 2, null, false);
        Assert.Null(plan.PodToDrain);
        Assert.Equal("Deferring scale-down of 1 extra pod(s): pool has non-ready pods", plan.BlockedMessage);
        Assert.False(plan.ActionTaken);
    }

    [Fact]
    public void Quarantined_staying_pods_do_not_block_the_health_gate()
    {
        var pods = new[] { ObservedPod(0, ready: false), ObservedPod(1), ObservedPod(2) };
        var roles = new Dictionary<string, string> { [Base + "-0"] = "QUARANTINED" };
        Assert.Equal(Base + "-2", PoolScaleDecisions.PlanScaleDown(pods, 2, roles, false).PodToDrain);
    }

    [Fact]
    public void Only_one_drain_at_a_time()
    {
        var pods = new[] { ObservedPod(0), ObservedPod(1), ObservedPod(2, drain: "draining"), ObservedPod(3) };
        var plan = PoolScaleDecisions.PlanScaleDown(pods, 2, null, false);
        Assert.True(plan.DrainInProgress);
        Assert.Null(plan.PodToDrain);
    }

    [Fact]
    public void An_earlier_action_defers_the_new_drain()
    {
        var pods = new[] { ObservedPod(0), ObservedPod(1), ObservedPod(2) };
        Assert.Null(PoolScaleDecisions.PlanScaleDown(pods, 2, null, actionTaken: true).PodToDrain);
    }

    [Fact]
    public void Ready_for_deletion_pods_are_all_deleted_and_start_no_new_drain()
    {
        var pods = new[] { ObservedPod(0), ObservedPod(1), ObservedPod(2, drain: "ready-for-deletion"), ObservedPod(3, drain: "ready-for-deletion"), ObservedPod(4) };
        var plan = PoolScaleDecisions.PlanScaleDown(pods, 2, null, actionTaken: true);
        Assert.Equal([Base + "-2", Base + "-3"], plan.PodsToDelete);
        Assert.False(plan.DrainInProgress);
        Assert.Null(plan.PodToDrain);
    }

    [Fact]
    public void An_externally_deleted_extra_pod_is_drained_once()
    {
        var pods = new[] { ObservedPod(0), ObservedPod(1, deleting: true), ObservedPod(2, deleting: true) };
        var plan = PoolScaleDecisions.PlanScaleDown(pods, 1, null, false);
        Assert.Equal(Base + "-1", plan.ExternallyDeletedPodToDrain);
        Assert.Null(plan.PodToDrain);
        Assert.True(plan.ActionTaken);
    }

    [Fact]
    public void Unparseable_indexes_are_extra()
    {
        Assert.Null(PoolScaleDecisions.PodIndex("pod-x1"));
        Assert.Equal(12, PoolScaleDecisions.PodIndex(Base + "-12"));
        var odd = ObservedPod(0, name: Base + "-abc");
        var plan = PoolScaleDecisions.PlanScaleDown([ObservedPod(0), odd], 1, null, false);
        Assert.Equal([Base + "-abc"], plan.ExtraPods);
    }

    [Fact]
    public void Drained_pods_raise_the_effective_replicas()
    {
        var pods = new[] { ObservedPod(0), ObservedPod(1) };
        var roles = new Dictionary<string, string> { [Base + "-1"] = "DRAINED" };
        Assert.Equal(3, PoolScaleDecisions.EffectiveReplicas(2, pods, roles));
        Assert.Equal(2, PoolScaleDecisions.EffectiveReplicas(2, pods, null));
        Assert.Equal(1, PoolScaleDecisions.DesiredReplicas(new PoolSpec()));
        Assert.Equal(2, PoolScaleDecisions.DesiredReplicas(new PoolSpec { ReplicasPerCell = 2 }));
    }
}
