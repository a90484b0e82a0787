using MultigresOrleans.KubeSim.DataPlane;
using MultigresOrleans.KubeSim.DataPlane.Protos;

namespace MultigresOrleans.KubeSim.Tests.DataPlane;

/// <summary>The fake multiorch: exactly one PRIMARY among live records, failover with a new term (dataplane-contracts §7.4).</summary>
[Collection(DataPlaneCollection.Name)]
public sealed class MultiorchTests(DataPlaneFixture fixture)
{
    private static readonly string[] Pods = ["pool-a", "pool-b", "pool-c"];

    private async Task<(string Ns, Topology Topology, Dictionary<string, string> Keys)> ThreePoolersAsync(string test)
    {
        var ns = await fixture.NewNamespaceAsync("dp-" + test);
        var topology = await fixture.NewTopologyAsync(test);
        var keys = new Dictionary<string, string>();
        foreach (var pod in Pods)
            keys[pod] = (await fixture.StartPoolerAsync(ns, topology, topology.PoolPod(pod))).Key;
        await fixture.WaitForRecordAsync(keys["pool-a"], r => r.RoutingState?.Role == RoutingRole.Primary, "pool-a (first Ready) to be PRIMARY");
        return (ns, topology, keys);
    }

    private async Task<Dictionary<string, Multipooler>> RecordsAsync(Dictionary<string, string> keys)
    {
        var records = new Dictionary<string, Multipooler>();
        foreach (var (pod, key) in keys)
            records[pod] = (await fixture.ReadRecordAsync(key))!;
        return records;
    }

    private static string[] LivePrimaries(Dictionary<string, Multipooler> records) =>
        [.. records.Where(r => r.Value.LifecycleStatus.Status == PoolerLifecycleStatus.LifecycleActive && r.Value.RoutingState?.Role == RoutingRole.Primary)
            .Select(r => r.Key).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Exactly_one_primary_is_elected_at_term_1_and_the_others_are_replicas()
    {
        var (_, topology, keys) = await ThreePoolersAsync("elect");
        var records = await RecordsAsync(keys);
        Assert.Equal(["pool-a"], LivePrimaries(records));
        Assert.Equal(1, records["pool-a"].RoutingState.Rule.CoordinatorTerm);
        Assert.Equal(PoolerType.Primary, records["pool-a"].Type);
        foreach (var replica in new[] { "pool-b", "pool-c" })
        {
            Assert.Equal(RoutingRole.Replica, records[replica].RoutingState.Role);
            Assert.Null(records[replica].RoutingState.Rule);
            Assert.Equal(PoolerType.Replica, records[replica].Type);
        }
        Assert.Equal(1, fixture.DataPlane.TermOf(topology.Shard));
        Assert.Equal("pool-a", fixture.DataPlane.PrimaryOf(topology.Shard)?.Pod);
    }

    [Fact]
    public async Task Deleting_the_primary_pod_fails_over_to_the_lowest_named_live_pooler_at_a_higher_term()
    {
        var (ns, topology, keys) = await ThreePoolersAsync("failover");
        await fixture.DeletePodAsync(ns, "pool-a");
        await fixture.WaitForRecordAsync(keys["pool-b"], r => r.RoutingState?.Role == RoutingRole.Primary, "pool-b to be promoted");

        var records = await RecordsAsync(keys);
        Assert.Equal(PoolerLifecycleStatus.LifecycleShutdown, records["pool-a"].LifecycleStatus.Status);
        Assert.Null(records["pool-a"].RoutingState);
        Assert.Equal(["pool-b"], LivePrimaries(records));
        Assert.Equal(2, records["pool-b"].RoutingState.Rule.CoordinatorTerm);
        Assert.Equal(RoutingRole.Replica, records["pool-c"].RoutingState.Role);

        // And again: the term keeps increasing with each election.
        await fixture.DeletePodAsync(ns, "pool-b");
        var c = await fixture.WaitForRecordAsync(keys["pool-c"], r => r.RoutingState?.Role == RoutingRole.Primary, "pool-c to be promoted");
        Assert.Equal(3, c.RoutingState.Rule.CoordinatorTerm);
        Assert.Equal(3, fixture.DataPlane.TermOf(topology.Shard));
    }

    [Fact]
    public async Task A_SHUTDOWN_mark_written_by_someone_else_on_the_primary_record_triggers_failover()
    {
        var (_, _, keys) = await ThreePoolersAsync("marked");
        // What the operator's dead-pooler marking writes: lifecycle SHUTDOWN, everything else left alone (§8.14).
        var kv = (await fixture.Etcd.GetAsync(keys["pool-a"]))!;
        var marked = Multipooler.Parser.ParseFrom(kv.Value);
        marked.LifecycleStatus = new PoolerLifecycle { Status = PoolerLifecycleStatus.LifecycleShutdown, Reason = "operator: no backing pod for pooler" };
        (await fixture.Etcd.CompareAndSwapAsync(keys["pool-a"], Google.Protobuf.MessageExtensions.ToByteArray(marked), kv.ModRevision)).ThrowIfFailed();

        var b = await fixture.WaitForRecordAsync(keys["pool-b"], r => r.RoutingState?.Role == RoutingRole.Primary, "pool-b to be promoted after the mark");
        Assert.Equal(2, b.RoutingState.Rule.CoordinatorTerm);
        // The tombstone is left as the operator wrote it: the fake multiorch never writes a tombstoned record.
        Assert.Equal(marked, await fixture.ReadRecordAsync(keys["pool-a"]));
    }

    [Fact]
    public async Task Quarantining_the_primary_by_knob_sets_QUARANTINED_with_the_reason_and_fails_over()
    {
        var (ns, _, keys) = await ThreePoolersAsync("quarantine");
        await fixture.DataPlane.QuarantineAsync(ns, "pool-a", "postgres failed to recover for 5m0s across 3 attempts (last error: boom)");

        var records = await RecordsAsync(keys);
        Assert.Equal(PoolerLifecycleStatus.LifecycleQuarantined, records["pool-a"].LifecycleStatus.Status);
        Assert.Equal("postgres failed to recover for 5m0s across 3 attempts (last error: boom)", records["pool-a"].LifecycleStatus.Reason);
        Assert.Equal(RoutingRole.Replica, records["pool-a"].RoutingState.Role);
        Assert.Equal(["pool-b"], LivePrimaries(records));
        Assert.Equal(2, records["pool-b"].RoutingState.Rule.CoordinatorTerm);

        // A replica quarantined through the annotation; removing the annotation makes it ACTIVE again.
        await fixture.AnnotatePodAsync(ns, "pool-c", DataPlaneAnnotations.Quarantine, "annotated");
        var c = await fixture.WaitForRecordAsync(keys["pool-c"], r => r.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleQuarantined, "pool-c QUARANTINED");
        Assert.Equal("annotated", c.LifecycleStatus.Reason);
        await fixture.AnnotatePodAsync(ns, "pool-c", DataPlaneAnnotations.Quarantine, null);
        c = await fixture.WaitForRecordAsync(keys["pool-c"], r => r.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleActive, "pool-c ACTIVE again");
        Assert.Equal("pooler active", c.LifecycleStatus.Reason);
        Assert.Equal(["pool-b"], LivePrimaries(await RecordsAsync(keys)));
    }

    [Fact]
    public async Task FailPrimary_shuts_the_primary_down_and_restart_brings_it_back_as_a_replica()
    {
        var (ns, topology, keys) = await ThreePoolersAsync("fail-primary");
        var failed = await fixture.DataPlane.FailPrimaryAsync(topology.Shard);
        Assert.Equal($"{ns}/pool-a", failed);

        var records = await RecordsAsync(keys);
        Assert.Equal(PoolerLifecycleStatus.LifecycleShutdown, records["pool-a"].LifecycleStatus.Status);
        Assert.Equal(["pool-b"], LivePrimaries(records));
        Assert.Equal(2, records["pool-b"].RoutingState.Rule.CoordinatorTerm);

        await fixture.DataPlane.RestartPoolerAsync(ns, "pool-a");
        records = await RecordsAsync(keys);
        Assert.Equal(PoolerLifecycleStatus.LifecycleActive, records["pool-a"].LifecycleStatus.Status);
        Assert.Equal(RoutingRole.Replica, records["pool-a"].RoutingState.Role);
        Assert.Equal(["pool-b"], LivePrimaries(records));
    }

    [Fact]
    public async Task A_crashed_primary_is_replaced_while_its_stale_record_stays_as_it_was()
    {
        var (ns, topology, keys) = await ThreePoolersAsync("crash-primary");
        var before = (await fixture.Etcd.GetAsync(keys["pool-a"]))!.ModRevision;
        await fixture.AnnotatePodAsync(ns, "pool-a", DataPlaneAnnotations.Down, "crash");
        await fixture.WaitForRecordAsync(keys["pool-b"], r => r.RoutingState?.Role == RoutingRole.Primary, "pool-b to be promoted after the crash");
        Assert.Equal(before, (await fixture.Etcd.GetAsync(keys["pool-a"]))!.ModRevision);
        Assert.Equal(PoolerPhase.Crashed, fixture.DataPlane.Pooler(ns, "pool-a")!.Phase);
        Assert.Equal("pool-b", fixture.DataPlane.PrimaryOf(topology.Shard)?.Pod);
    }

    [Fact]
    public async Task Suspended_elections_leave_the_shard_without_a_primary()
    {
        var ns = await fixture.NewNamespaceAsync("dp-suspend");
        var topology = await fixture.NewTopologyAsync("suspend");
        await fixture.DataPlane.SuspendElectionsAsync(topology.Shard);
        var (_, key) = await fixture.StartPoolerAsync(ns, topology, topology.PoolPod("lonely-0"));
        await fixture.DataPlane.SuspendElectionsAsync(topology.Shard); // a loop round-trip: any election would have run by now
        Assert.Equal(RoutingRole.Replica, (await fixture.ReadRecordAsync(key))!.RoutingState.Role);

        await fixture.DataPlane.SuspendElectionsAsync(topology.Shard, suspended: false);
        var record = await fixture.ReadRecordAsync(key);
        Assert.Equal(RoutingRole.Primary, record!.RoutingState.Role);
        Assert.Equal(1, record.RoutingState.Rule.CoordinatorTerm);
    }
}
