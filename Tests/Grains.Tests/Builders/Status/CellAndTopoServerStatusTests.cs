using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Tests.Builders.Cells;
using MultigresOrleans.Grains.Tests.Builders.TopoServers;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Statuses;

/// <summary>Cell status (spec §11.4, §6.3 steps 1 and 3) and TopoServer status (§11.5).</summary>
public sealed class CellAndTopoServerStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 8, 21, 2, 0, 0, TimeSpan.Zero);

    private static Deployment Gateway(int replicas, int ready, long generation = 5, long observed = 5) => new()
    {
        Metadata = new ObjectMeta { Generation = generation },
        Status = new WorkloadStatus { Replicas = replicas, ReadyReplicas = ready, ObservedGeneration = observed },
    };

    private static StatefulSet Etcd(int desired, int ready, long generation = 2, long observed = 2) => new()
    {
        Metadata = new ObjectMeta { Generation = generation },
        Spec = new StatefulSetSpec { Replicas = desired },
        Status = new WorkloadStatus { ReadyReplicas = ready, ObservedGeneration = observed, Replicas = desired },
    };

    private static Condition Cond(IEnumerable<Condition>? conditions, string type) => Assert.Single(conditions!, c => c.Type == type);

    [Fact]
    public void Converged_gateway_is_available_ready_and_healthy()
    {
        var status = CellStatusBuilder.Compute(CellFixtures.Minimal(), Gateway(2, 2), [PhaseHelpersTests.Healthy()], Now);

        Assert.Equal((Phase.Healthy, "Ready", 2, 2, "minimal-zone-a-multigateway-0ccc2e8b", 3L),
            (status.Phase, status.Message, status.GatewayReplicas, status.GatewayReadyReplicas, status.GatewayServiceName, status.ObservedGeneration!.Value));
        var available = Cond(status.Conditions, "Available");
        Assert.Equal((ConditionStatus.True, "MultigatewayAvailable", "Multigateway 2/2 replicas ready", 3L), (available.Status, available.Reason, available.Message, available.ObservedGeneration!.Value));
        var ready = Cond(status.Conditions, "Ready");
        Assert.Equal((ConditionStatus.True, "MultigatewayReady", "All replicas match desired state"), (ready.Status, ready.Reason, ready.Message));
    }

    [Fact]
    public void Partly_ready_gateway_is_available_but_not_ready()
    {
        var status = CellStatusBuilder.Compute(CellFixtures.Minimal(), Gateway(3, 1), [], Now);

        Assert.Equal(ConditionStatus.True, Cond(status.Conditions, "Available").Status);
        var ready = Cond(status.Conditions, "Ready");
        Assert.Equal((ConditionStatus.False, "MultigatewayNotReady", "Multigateway 1/3 ready, waiting for full convergence"), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal((Phase.Progressing, "Gateway: 1/3 replicas ready"), (status.Phase, status.Message));
    }

    [Fact]
    public void No_ready_gateway_is_unavailable()
    {
        var status = CellStatusBuilder.Compute(CellFixtures.Minimal(), Gateway(2, 0), null, Now);

        var available = Cond(status.Conditions, "Available");
        Assert.Equal((ConditionStatus.False, "MultigatewayUnavailable", "No ready replicas available"), (available.Status, available.Reason, available.Message));
    }

    [Fact]
    public void Stale_deployment_generation_is_not_ready_and_progressing()
    {
        var status = CellStatusBuilder.Compute(CellFixtures.Minimal(), Gateway(2, 2, generation: 6, observed: 5), [], Now);

        Assert.Equal(ConditionStatus.False, Cond(status.Conditions, "Ready").Status);
        Assert.Equal((Phase.Progressing, "Gateway is progressing"), (status.Phase, status.Message));
    }

    [Fact]
    public void Zero_replica_gateway_is_initializing_and_not_ready()
    {
        var status = CellStatusBuilder.Compute(CellFixtures.Minimal(), Gateway(0, 0), [], Now);

        Assert.Equal(Phase.Initializing, status.Phase);
        Assert.Equal(ConditionStatus.False, Cond(status.Conditions, "Ready").Status);
    }

    [Fact]
    public void Crash_looping_gateway_pod_degrades_the_cell()
    {
        var status = CellStatusBuilder.Compute(CellFixtures.Minimal(), Gateway(2, 1), [PhaseHelpersTests.Healthy(), PhaseHelpersTests.Crashing()], Now);

        Assert.Equal((Phase.Degraded, "Gateway: one or more pods are crash-looping"), (status.Phase, status.Message));
    }

    [Fact]
    public void Waiting_for_local_topo_server_reports_both_conditions_false_and_keeps_counters()
    {
        var cell = CellFixtures.Minimal() with { Status = new CellStatus { GatewayReplicas = 2, GatewayReadyReplicas = 1, GatewayServiceName = "svc" } };

        var status = CellStatusBuilder.LocalTopoServerNotReady(cell, Now);

        Assert.Equal((Phase.Progressing, "Waiting for managed local TopoServer to become ready", 2, 1, "svc", 3L),
            (status.Phase, status.Message, status.GatewayReplicas, status.GatewayReadyReplicas, status.GatewayServiceName, status.ObservedGeneration!.Value));
        foreach (var type in new[] { "Available", "Ready" })
        {
            var c = Cond(status.Conditions, type);
            Assert.Equal((ConditionStatus.False, "LocalTopoServerNotReady", "Waiting for managed local TopoServer to become ready"), (c.Status, c.Reason, c.Message));
        }
    }

    [Fact]
    public void Local_topo_server_readiness_needs_fresh_generation_and_healthy_phase()
    {
        var managed = CellFixtures.ExtEtcdZoneB(new LocalTopoServerSpec { Etcd = new EtcdSpec() });
        TopoServer Topo(long generation, long observed, Phase phase) => new()
        {
            Metadata = new ObjectMeta { Generation = generation },
            Status = new TopoServerStatus { ObservedGeneration = observed, Phase = phase },
        };

        Assert.True(CellStatusBuilder.LocalTopoServerReady(CellFixtures.Minimal(), null));
        Assert.False(CellStatusBuilder.LocalTopoServerReady(managed, null));
        Assert.False(CellStatusBuilder.LocalTopoServerReady(managed, Topo(2, 1, Phase.Healthy)));
        Assert.False(CellStatusBuilder.LocalTopoServerReady(managed, Topo(2, 2, Phase.Progressing)));
        Assert.True(CellStatusBuilder.LocalTopoServerReady(managed, Topo(2, 2, Phase.Healthy)));
    }

    [Fact]
    public void Pending_deletion_condition_waits_for_the_local_topo_server_then_says_why_it_is_ready()
    {
        var managed = CellFixtures.ExtEtcdZoneB(new LocalTopoServerSpec { Etcd = new EtcdSpec() });

        var waiting = CellStatusBuilder.PendingDeletionCondition(managed, localTopoServerAbsent: false, Now)!;
        var deleted = CellStatusBuilder.PendingDeletionCondition(managed, localTopoServerAbsent: true, Now)!;
        var stateless = CellStatusBuilder.PendingDeletionCondition(CellFixtures.Minimal(), localTopoServerAbsent: true, Now)!;

        Assert.Equal((ConditionStatus.False, "LocalTopoServerDeleting", "Waiting for managed local TopoServer deletion"), (waiting.Status, waiting.Reason, waiting.Message));
        Assert.Equal((ConditionStatus.True, "LocalTopoServerDeleted", "Managed local TopoServer is deleted; ready for deletion"), (deleted.Status, deleted.Reason, deleted.Message));
        Assert.Equal((ConditionStatus.True, "StatelessComponent", "Cell has no managed local TopoServer; ready for deletion"), (stateless.Status, stateless.Reason, stateless.Message));
        Assert.Equal("ReadyForDeletion", stateless.Type);
    }

    [Fact]
    public void Pending_deletion_condition_is_not_rewritten_once_true()
    {
        var cell = CellFixtures.Minimal() with
        {
            Status = new CellStatus
            {
                GatewayReplicas = 0, GatewayReadyReplicas = 0,
                Conditions = [ConditionSet.Make("ReadyForDeletion", true, "StatelessComponent", "x", 3, Now)],
            },
        };

        Assert.Null(CellStatusBuilder.PendingDeletionCondition(cell, localTopoServerAbsent: true, Now));
        Assert.NotNull(CellStatusBuilder.PendingDeletionCondition(cell, localTopoServerAbsent: false, Now));
    }

    [Fact]
    public void Topo_server_all_ready_is_healthy_with_service_names()
    {
        var status = TopoServerStatusBuilder.Compute(TopoServerFixtures.Global(), Etcd(3, 3), [PhaseHelpersTests.Healthy()], Now);

        var ready = Assert.Single(status.Conditions!);
        Assert.Equal(("Ready", ConditionStatus.True, "AllReplicasReady", "All 3 replicas are ready", 2L), (ready.Type, ready.Status, ready.Reason, ready.Message, ready.ObservedGeneration!.Value));
        Assert.Equal((Phase.Healthy, "Ready", "minimal-global-topo", "minimal-global-topo-headless", 2L),
            (status.Phase, status.Message, status.ClientService, status.PeerService, status.ObservedGeneration!.Value));
    }

    [Fact]
    public void Topo_server_partly_ready_reports_counts_against_spec_replicas()
    {
        var status = TopoServerStatusBuilder.Compute(TopoServerFixtures.Global(), Etcd(3, 1), null, Now);

        var ready = Assert.Single(status.Conditions!);
        Assert.Equal((ConditionStatus.False, "NotAllReplicasReady", "1/3 replicas ready"), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal((Phase.Progressing, "StatefulSet: 1/3 replicas ready"), (status.Phase, status.Message));
    }

    [Fact]
    public void Topo_server_with_stale_statefulset_says_update_in_progress()
    {
        var status = TopoServerStatusBuilder.Compute(TopoServerFixtures.Global(), Etcd(3, 3, generation: 3, observed: 2), null, Now);

        var ready = Assert.Single(status.Conditions!);
        Assert.Equal((ConditionStatus.False, "NotAllReplicasReady", "StatefulSet update in progress"), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal((Phase.Progressing, "StatefulSet is progressing"), (status.Phase, status.Message));
    }

    [Fact]
    public void Topo_server_crash_loop_is_degraded()
    {
        var status = TopoServerStatusBuilder.Compute(TopoServerFixtures.Global(), Etcd(3, 2), [PhaseHelpersTests.Crashing()], Now);

        Assert.Equal(Phase.Degraded, status.Phase);
    }

    [Fact]
    public void Topo_server_status_patch_carries_only_ready_and_keeps_its_transition_time()
    {
        var earlier = Now.AddHours(-2);
        var ts = TopoServerFixtures.Global() with
        {
            Status = new TopoServerStatus
            {
                Conditions =
                [
                    ConditionSet.Make("StorageClassValid", true, "StorageClassFound", "x", 2, earlier),
                    ConditionSet.Make("Ready", true, "AllReplicasReady", "All 3 replicas are ready", 1, earlier),
                ],
            },
        };

        var status = TopoServerStatusBuilder.Compute(ts, Etcd(3, 3), null, Now);

        var ready = Assert.Single(status.Conditions!);
        Assert.Equal(("Ready", earlier, 2L), (ready.Type, ready.LastTransitionTime, ready.ObservedGeneration!.Value));
    }
}
