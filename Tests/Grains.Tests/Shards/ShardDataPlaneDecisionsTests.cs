using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Drain;
using MultigresOrleans.Grains.Shards;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Grains.Topology.ClusterMetadata;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Shards;

/// <summary>Pod roles, drain facts and quarantine choices of the Shard's data-plane pass (dataplane-contracts §5.2–5.4, spec §6.12).</summary>
public sealed class ShardDataPlaneDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static PoolerRecord Record(string pod, string cell = "zone-a", RoutingRole role = RoutingRole.Replica,
        PoolerLifecycleStatus lifecycle = PoolerLifecycleStatus.LifecycleActive, PoolerServingStatus serving = PoolerServingStatus.Serving, string reason = "")
    {
        var pooler = new Multipooler
        {
            Id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = cell, Name = "p-" + pod },
            Hostname = pod + ".svc-headless.default.svc.cluster.local",
            RoutingState = new RoutingState { Role = role },
            LifecycleStatus = new PoolerLifecycle { Status = lifecycle, Reason = reason },
            ServingStatus = serving,
        };
        return new PoolerRecord("/k/" + pod, pooler, 1);
    }

    private static Pod Pod(string name, bool ready = true, string pool = "default", string cell = "zone-a",
        DateTimeOffset? created = null, bool deleting = false, string? drain = null) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = "default",
            CreationTimestamp = created ?? Now.AddHours(-1),
            DeletionTimestamp = deleting ? Now : null,
            Labels = new() { [LabelKeys.Pool] = pool, [LabelKeys.Cell] = cell },
            Annotations = drain is null ? null : new() { [AnnotationKeys.DrainState] = drain },
        },
        Status = new PodStatus { Conditions = [new PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
    };

    [Fact]
    public void Roles_follow_lifecycle_first_then_routing_and_omit_shutdown_records()
    {
        var cells = new[]
        {
            new CellPoolers("zone-a", [
                Record("pod-0", role: RoutingRole.Primary),
                Record("pod-1"),
                Record("pod-2", role: RoutingRole.Primary, lifecycle: PoolerLifecycleStatus.LifecycleQuarantined),
                Record("pod-3", role: RoutingRole.Primary, lifecycle: PoolerLifecycleStatus.LifecycleShutdown),
            ]),
        };

        var roles = ShardDataPlaneDecisions.PodRoles(["pod-0", "pod-1", "pod-2", "pod-3"], null, cells);

        Assert.Equal(new Dictionary<string, string> { ["pod-0"] = "PRIMARY", ["pod-1"] = "REPLICA", ["pod-2"] = "QUARANTINED" }, roles);
    }

    [Fact]
    public void A_pod_without_a_record_keeps_its_role_only_while_some_cell_is_unreadable()
    {
        IReadOnlyDictionary<string, string> previous = new Dictionary<string, string> { ["pod-0"] = "PRIMARY", ["gone"] = "REPLICA" };

        var partial = ShardDataPlaneDecisions.PodRoles(["pod-0"], previous, [new CellPoolers("zone-a", []), new CellPoolers("zone-b", null, "down")]);
        var complete = ShardDataPlaneDecisions.PodRoles(["pod-0"], previous, [new CellPoolers("zone-a", []), new CellPoolers("zone-b", [])]);

        Assert.Equal(new Dictionary<string, string> { ["pod-0"] = "PRIMARY" }, partial); // "gone" is dropped: the pod does not exist
        Assert.Empty(complete);
    }

    [Fact]
    public void A_live_record_wins_over_a_stale_shutdown_record_of_the_same_pod()
    {
        var stale = Record("pod-0", lifecycle: PoolerLifecycleStatus.LifecycleShutdown);
        var live = Record("pod-0", role: RoutingRole.Primary);

        var match = ShardDataPlaneDecisions.MatchingRecord("pod-0", [new CellPoolers("zone-a", [stale, live])]);

        Assert.Same(live, match);
    }

    [Fact]
    public void Drain_facts_carry_the_pods_record_and_whether_another_primary_serves()
    {
        var cells = new[]
        {
            new CellPoolers("zone-a", [Record("pod-0", role: RoutingRole.Primary), Record("pod-1")]),
            new CellPoolers("zone-b", null, "unreachable"),
        };

        var replica = ShardDataPlaneDecisions.DrainFactsFor(Pod("pod-1"), "zone-a", cells, true, true, false, false);
        var primary = ShardDataPlaneDecisions.DrainFactsFor(Pod("pod-0"), "zone-a", cells, true, true, false, false);
        var unread = ShardDataPlaneDecisions.DrainFactsFor(Pod("pod-9", cell: "zone-b"), "zone-b", cells, false, false, false, true);

        Assert.True(replica.TopologyObserved);
        Assert.Equal((int)RoutingRole.Replica, replica.PoolerRoutingRole);
        Assert.True(replica.AnotherPrimaryServing);
        Assert.Equal((int)RoutingRole.Primary, primary.PoolerRoutingRole);
        Assert.False(primary.AnotherPrimaryServing);
        Assert.False(unread.TopologyObserved);
        Assert.Null(unread.PoolerLifecycle);
        Assert.True(unread.ShardPendingDeletion);
    }

    [Fact]
    public void A_not_serving_or_stopping_primary_is_not_another_serving_primary()
    {
        var cells = new[]
        {
            new CellPoolers("zone-a", [
                Record("pod-0", role: RoutingRole.Primary, lifecycle: PoolerLifecycleStatus.LifecycleStopping),
                Record("pod-2", role: RoutingRole.Primary, serving: PoolerServingStatus.Disabled),
                Record("pod-1"),
            ]),
        };

        Assert.False(ShardDataPlaneDecisions.DrainFactsFor(Pod("pod-1"), "zone-a", cells, true, true, false, false).AnotherPrimaryServing);
    }

    [Fact]
    public void Quarantine_without_a_healthy_backup_is_blocked_with_the_reference_message()
    {
        var plan = ShardDataPlaneDecisions.PlanQuarantine([Pod("pod-1")], new Dictionary<string, string> { ["pod-1"] = "crash loop" }, null, false, Now);

        Assert.Null(plan.PodToReplace);
        Assert.Equal("QuarantineRemediationBlocked", plan.Event!.Reason);
        Assert.Equal("Deferring replacement of 1 quarantined pod(s): no healthy backup to restore from", plan.Event.Message);
    }

    [Fact]
    public void Quarantine_replaces_the_first_eligible_pod_by_name()
    {
        var pods = new[] { Pod("pod-0"), Pod("pod-1", ready: false), Pod("pod-2", ready: false) };
        var quarantined = new Dictionary<string, string> { ["pod-2"] = "", ["pod-1"] = "unrecoverable" };

        var plan = ShardDataPlaneDecisions.PlanQuarantine(pods, quarantined, null, true, Now);

        Assert.Equal("pod-1", plan.PodToReplace);
        Assert.Equal("QuarantineRemediation", plan.Event!.Reason);
        Assert.Equal("Replacing quarantined pod pod-1 (reason: unrecoverable): wiping data PVC to re-bootstrap from backup", plan.Event.Message);
    }

    [Theory]
    [InlineData("primary")]
    [InlineData("young")]
    [InlineData("deleting")]
    public void Quarantine_skips_primaries_young_pods_and_terminating_pods(string why)
    {
        var pod = why switch
        {
            "young" => Pod("pod-1", created: Now.AddMinutes(-2)),
            "deleting" => Pod("pod-1", deleting: true),
            _ => Pod("pod-1"),
        };
        IReadOnlyDictionary<string, string>? roles = why == "primary" ? new Dictionary<string, string> { ["pod-1"] = "PRIMARY" } : null;

        var plan = ShardDataPlaneDecisions.PlanQuarantine([pod], new Dictionary<string, string> { ["pod-1"] = "x" }, roles, true, Now);

        Assert.Null(plan.PodToReplace);
        Assert.Null(plan.Event);
    }

    [Fact]
    public void Quarantine_is_deferred_while_another_pod_of_the_pool_and_cell_is_not_ready()
    {
        var pods = new[] { Pod("pod-0", ready: false), Pod("pod-1", ready: false), Pod("pod-2", ready: false, cell: "zone-b"), Pod("pod-3", ready: false, drain: "draining") };

        var plan = ShardDataPlaneDecisions.PlanQuarantine(pods, new Dictionary<string, string> { ["pod-1"] = "x" }, null, true, Now);

        Assert.Null(plan.PodToReplace);
        Assert.Equal("QuarantineRemediationDeferred", plan.Event!.Reason);
        Assert.Equal("Deferring replacement of quarantined pod pod-1: pool has other non-ready pods", plan.Event.Message);

        // The other cell's pod and a draining pod do not block: only pod-0 does.
        var unblocked = ShardDataPlaneDecisions.PlanQuarantine(pods.Skip(1).ToArray(), new Dictionary<string, string> { ["pod-1"] = "x" }, null, true, Now);
        Assert.Equal("pod-1", unblocked.PodToReplace);
    }

    [Fact]
    public void Dead_pooler_candidates_exclude_records_of_live_or_terminating_pods()
    {
        var records = new[] { Record("pod-0"), Record("pod-1"), Record("pod-2", lifecycle: PoolerLifecycleStatus.LifecycleShutdown) };

        var dead = TopologyRecords.FindDeadPoolers(records, ["pod-0"]);

        Assert.Equal(["/k/pod-1"], dead.Select(d => d.Key));
    }

    [Fact]
    public void Pod_facts_round_trip_into_the_drain_observation_the_machine_reads()
    {
        var facts = ShardDataPlaneDecisions.DrainFactsFor(Pod("pod-1"), "zone-a",
            [new CellPoolers("zone-a", [Record("pod-0", role: RoutingRole.Primary), Record("pod-1", role: RoutingRole.Primary, lifecycle: PoolerLifecycleStatus.LifecycleStopping)])],
            true, true, false, false);
        var pooler = new PoolerFacts((PoolerLifecycleStatus)facts.PoolerLifecycle!, (PoolerServingStatus)facts.PoolerServingStatus!, (RoutingRole)facts.PoolerRoutingRole!);

        Assert.False(pooler.HoldsPrimary); // a stopping primary has given the role up
        Assert.True(facts.AnotherPrimaryServing);
    }
}
