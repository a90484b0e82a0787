using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.KubeSim.DataPlane;
using MultigresOrleans.KubeSim.DataPlane.Protos;

namespace MultigresOrleans.KubeSim.Tests.DataPlane;

/// <summary>The fake multipooler's record in etcd across its pod's life (dataplane-contracts §2.6, §7.3).</summary>
[Collection(DataPlaneCollection.Name)]
public sealed class PoolerLifecycleTests(DataPlaneFixture fixture)
{
    [Fact]
    public async Task Pooler_registers_STARTING_then_ACTIVE_on_Ready_with_the_exact_record_at_the_cell_root_key()
    {
        var ns = await fixture.NewNamespaceAsync("dp-register");
        var topology = await fixture.NewTopologyAsync("register");
        const string pod = "c-postgres-default-0-inf-pool-zone1-0";
        var key = topology.PoolerKey(pod);
        Assert.Equal($"{topology.CellRoot}/poolers/multipooler-zone1-{TopologyNames.PoolerServiceId(pod)}/Pooler", key);

        // Running but not Ready: nothing is registered yet.
        await fixture.CreateAsync(ns, "pods", topology.PoolPod(pod, annotations: new() { ["kubesim.io/unready"] = "true" }));
        await fixture.WaitForPodAsync(ns, pod, ready: false);
        await Eventually.WaitUntil(() => fixture.DataPlane.Pooler(ns, pod) is not null, "the data plane to see the pool pod");
        Assert.Equal(PoolerPhase.Waiting, fixture.DataPlane.Pooler(ns, pod)!.Phase);
        Assert.Null(await fixture.Etcd.GetAsync(key));

        fixture.Time.Advance(TimeSpan.FromSeconds(4));
        var readyAt = fixture.Time.GetUtcNow();
        await fixture.AnnotatePodAsync(ns, pod, "kubesim.io/unready", null);
        var record = await fixture.WaitForRecordAsync(key, r => r.RoutingState?.Role == RoutingRole.Primary, "the only pooler to be ACTIVE and elected");

        var expected = new Multipooler
        {
            Id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = "zone1", Name = TopologyNames.PoolerServiceId(pod) },
            ShardKey = new ShardKey { Database = "postgres", TableGroup = "default", Shard = "0-inf" },
            Type = PoolerType.Primary,
            ServingStatus = PoolerServingStatus.Serving,
            Hostname = Topology.Hostname(ns, pod),
            PoolerDir = "/var/lib/pooler",
            PgDataDir = "/var/lib/pooler/pg_data",
            LifecycleStatus = new PoolerLifecycle { Status = PoolerLifecycleStatus.LifecycleActive, Reason = "pooler active", Updated = Timestamp.FromDateTimeOffset(readyAt) },
            RoutingState = new RoutingState { Role = RoutingRole.Primary, Rule = new RuleNumber { CoordinatorTerm = 1 } },
        };
        expected.PortMap.Add(new Dictionary<string, int> { ["grpc"] = 15270, ["http"] = 15200, ["postgres"] = 5432, ["pgbackrest"] = 8432 });
        Assert.Equal(expected, record);

        // The first version of the key is the registration: STARTING, DISABLED, routing REPLICA.
        var kv = (await fixture.Etcd.GetAsync(key))!;
        var first = (await fixture.ReadRecordAsync(key, kv.CreateRevision))!;
        Assert.Equal(PoolerLifecycleStatus.LifecycleStarting, first.LifecycleStatus.Status);
        Assert.Equal("process starting", first.LifecycleStatus.Reason);
        Assert.Equal(PoolerServingStatus.Disabled, first.ServingStatus);
        Assert.Equal(RoutingRole.Replica, first.RoutingState.Role);
        Assert.Equal(PoolerType.Replica, first.Type);
        // Nothing else lives under the cell root's poolers/ for this test, and nothing was written under the global root.
        Assert.Single((await fixture.Etcd.GetPrefixAsync(topology.CellRoot + "/poolers/", keysOnly: true)).Kvs);
        Assert.Empty((await fixture.Etcd.GetPrefixAsync(topology.GlobalRoot + "/poolers/", keysOnly: true)).Kvs);
    }

    [Fact]
    public async Task Pooler_waits_for_its_Cell_record_and_registers_once_it_appears()
    {
        var ns = await fixture.NewNamespaceAsync("dp-cell");
        var topology = (await fixture.NewTopologyAsync("cell-later")) with { Cell = "zone9" };
        const string pod = "late-cell-0";
        await fixture.CreateReadyPodAsync(ns, topology.PoolPod(pod));
        await Eventually.WaitUntil(() => fixture.DataPlane.Pooler(ns, pod) is { Phase: PoolerPhase.Waiting }, "the pooler to wait for its cell");
        Assert.Null(await fixture.Etcd.GetAsync(topology.PoolerKey(pod)));

        var cell = new Cell { Name = "zone9", Root = topology.CellRoot };
        await fixture.Etcd.PutAsync(TopologyNames.CellKey(topology.GlobalRoot, "zone9"), Google.Protobuf.MessageExtensions.ToByteArray(cell));
        var record = await fixture.WaitForRecordAsync(topology.PoolerKey(pod), r => r.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleActive,
            "the pooler to register once the Cell record exists");
        Assert.Equal("zone9", record.Id.Cell);
    }

    [Fact]
    public async Task Deleting_the_pod_writes_STOPPING_then_SHUTDOWN_and_keeps_the_record()
    {
        var ns = await fixture.NewNamespaceAsync("dp-shutdown");
        var topology = await fixture.NewTopologyAsync("shutdown");
        const string pod = "pool-0";
        var (_, key) = await fixture.StartPoolerAsync(ns, topology, topology.PoolPod(pod));

        fixture.Time.Advance(TimeSpan.FromSeconds(7));
        var stoppedAt = fixture.Time.GetUtcNow();
        await fixture.DeletePodAsync(ns, pod);
        var record = await fixture.WaitForRecordAsync(key, r => r.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleShutdown, "the record to say SHUTDOWN");

        Assert.Equal("pooler shutdown", record.LifecycleStatus.Reason);
        Assert.Equal(Timestamp.FromDateTimeOffset(stoppedAt), record.LifecycleStatus.Updated);
        Assert.Null(record.RoutingState);
        Assert.Equal(PoolerServingStatus.Disabled, record.ServingStatus);
        Assert.Equal(PoolerType.Unknown, record.Type);
        Assert.Equal(Topology.Hostname(ns, pod), record.Hostname);

        // The write before SHUTDOWN was STOPPING (it still routed as the primary it was).
        var kv = (await fixture.Etcd.GetAsync(key))!;
        var before = (await fixture.ReadRecordAsync(key, kv.ModRevision - 1))!;
        Assert.Equal(PoolerLifecycleStatus.LifecycleStopping, before.LifecycleStatus.Status);
        Assert.Equal("shutting down", before.LifecycleStatus.Reason);
        Assert.Equal(PoolerServingStatus.Disabled, before.ServingStatus);
        Assert.Equal(RoutingRole.Primary, before.RoutingState.Role);
        await Eventually.WaitUntil(() => fixture.DataPlane.Pooler(ns, pod) is null, "the fake pooler to be gone with its pod");
    }

    [Fact]
    public async Task Crash_knobs_leave_the_record_untouched_when_the_pod_is_deleted()
    {
        var ns = await fixture.NewNamespaceAsync("dp-crash");
        var topology = await fixture.NewTopologyAsync("crash");
        var (_, byApi) = await fixture.StartPoolerAsync(ns, topology, topology.PoolPod("crash-api-0"));
        var (_, byAnnotation) = await fixture.StartPoolerAsync(ns, topology,
            topology.PoolPod("crash-ann-0", annotations: new() { [DataPlaneAnnotations.CrashOnStop] = "true" }));
        fixture.DataPlane.SetCrashOnStop(ns, "crash-api-0");
        var revisions = new[] { (await fixture.Etcd.GetAsync(byApi))!.ModRevision, (await fixture.Etcd.GetAsync(byAnnotation))!.ModRevision };

        await fixture.DeletePodAsync(ns, "crash-ann-0");
        await fixture.DeletePodAsync(ns, "crash-api-0");
        await Eventually.WaitUntil(() => fixture.DataPlane.Pooler(ns, "crash-api-0") is null && fixture.DataPlane.Pooler(ns, "crash-ann-0") is null,
            "both fake poolers to be gone with their pods");

        Assert.Equal(revisions[0], (await fixture.Etcd.GetAsync(byApi))!.ModRevision);
        Assert.Equal(revisions[1], (await fixture.Etcd.GetAsync(byAnnotation))!.ModRevision);
        Assert.Equal(PoolerLifecycleStatus.LifecycleActive, (await fixture.ReadRecordAsync(byApi))!.LifecycleStatus.Status);
        Assert.Equal(PoolerLifecycleStatus.LifecycleActive, (await fixture.ReadRecordAsync(byAnnotation))!.LifecycleStatus.Status);
    }

    [Fact]
    public async Task Recreated_pod_re_registers_over_its_SHUTDOWN_record_under_the_same_key()
    {
        var ns = await fixture.NewNamespaceAsync("dp-recreate");
        var topology = await fixture.NewTopologyAsync("recreate");
        const string pod = "again-0";
        var (_, key) = await fixture.StartPoolerAsync(ns, topology, topology.PoolPod(pod));
        await fixture.DeletePodAsync(ns, pod);
        await fixture.WaitForRecordAsync(key, r => r.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleShutdown, "SHUTDOWN");

        var (_, again) = await fixture.StartPoolerAsync(ns, topology, topology.PoolPod(pod));
        Assert.Equal(key, again);
        var record = await fixture.WaitForRecordAsync(key, r => r.RoutingState?.Role == RoutingRole.Primary, "the recreated pooler to be elected again");
        Assert.Equal(2, record.RoutingState.Rule.CoordinatorTerm);
    }

    [Fact]
    public async Task Pooler_does_not_recreate_a_record_someone_deleted_and_republishes_only_its_own_changes()
    {
        var ns = await fixture.NewNamespaceAsync("dp-own");
        var topology = await fixture.NewTopologyAsync("own");
        var (_, key) = await fixture.StartPoolerAsync(ns, topology, topology.PoolPod("own-0"));
        await fixture.WaitForRecordAsync(key, r => r.RoutingState?.Role == RoutingRole.Primary, "the pooler to be primary");

        // Someone else rewrites a field: the pooler does not "fix" it, because its own state did not change.
        var kv = (await fixture.Etcd.GetAsync(key))!;
        var edited = Multipooler.Parser.ParseFrom(kv.Value);
        edited.PoolerDir = "/edited";
        await fixture.Etcd.PutAsync(key, Google.Protobuf.MessageExtensions.ToByteArray(edited));
        await fixture.DataPlane.QuarantineAsync(ns, "other-pod-without-pooler", "no such pooler"); // a loop round-trip
        Assert.Equal("/edited", (await fixture.ReadRecordAsync(key))!.PoolerDir);

        // Deleted while running: its next own change is not written (no re-creation).
        await fixture.Etcd.DeleteAsync(key);
        await fixture.DataPlane.QuarantineAsync(ns, "own-0", "disk on fire");
        Assert.Equal(PoolerPhase.Active, fixture.DataPlane.Pooler(ns, "own-0")!.Phase);
        Assert.Equal("disk on fire", fixture.DataPlane.Pooler(ns, "own-0")!.QuarantineReason);
        Assert.Null(await fixture.Etcd.GetAsync(key));
    }
}
