using MultigresOrleans.Etcd;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Tests.Topology;

/// <summary>
/// The read-merge-CAS loop against a competing writer. The competitor's write is injected by the
/// transport right before the store's transaction leaves, so the race happens every run, in order.
/// </summary>
[Collection(TopologyEtcdCollection.Name)]
public sealed class TopologyStoreRaceTests(TopologyEtcdFixture etcd)
{
    private readonly string _root = TopologyEtcdFixture.NewRoot(nameof(TopologyStoreRaceTests));

    /// <summary>Runs <c>beforeFirstTxn</c> once, just before the first transaction is sent, and counts transactions.</summary>
    private sealed class RacingHandler(Func<Task> beforeFirstTxn) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _txns;

        public int Txns => _txns;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath == "/v3/kv/txn" && Interlocked.Increment(ref _txns) == 1)
                await beforeFirstTxn();
            return await base.SendAsync(request, cancellationToken);
        }
    }

    private (TopologyStore Store, EtcdClient Client, RacingHandler Handler) NewStore(Func<Task> competitor)
    {
        var handler = new RacingHandler(competitor);
        var client = new EtcdClient(new EtcdClientOptions { Endpoints = [etcd.ClientUrl] }, handler);
        return (new TopologyStore(client, _root), client, handler);
    }

    [Fact]
    public async Task A_lost_compare_and_swap_is_retried_on_the_winners_record()
    {
        var key = TopologyPaths.CellKey(_root, "zone1");
        await etcd.Client.PutAsync(key, TopologyRecords.Encode(TopologyRecords.NewCell("zone1", ["old:2379"], "/old")));
        var (store, client, handler) = NewStore(async () =>
            await etcd.Client.PutAsync(key, TopologyRecords.Encode(TopologyRecords.NewCell("zone1", ["theirs:2379"], "/theirs"))));
        using (client)
        using (store)
        {
            var desired = TopologyRecords.NewCell("zone1", ["ours:2379"], _root);
            Assert.Equal(RegistrationOutcome.Updated, await store.RegisterCellAsync(desired));
            Assert.Equal(2, handler.Txns);
            Assert.Equal(desired, (await store.GetCellAsync("zone1"))!.Value);
        }
    }

    [Fact]
    public async Task Losing_a_create_race_to_an_identical_record_writes_nothing_more()
    {
        var key = TopologyPaths.DatabaseKey(_root, "db");
        var desired = TopologyRecords.NewDatabase("db", TopologyRecords.FilesystemBackupLocation(null, false), ["zone1"], TopologyRecords.DurabilityPolicyFor(null));
        long competitorRevision = 0;
        var (store, client, handler) = NewStore(async () =>
            competitorRevision = (await etcd.Client.PutAsync(key, TopologyRecords.Encode(desired))).Revision);
        using (client)
        using (store)
        {
            Assert.Equal(RegistrationOutcome.Unchanged, await store.RegisterDatabaseAsync(desired));
            Assert.Equal(1, handler.Txns);
            Assert.Equal(competitorRevision, (await etcd.Client.GetAsync(key))!.ModRevision);
        }
    }

    [Fact]
    public async Task A_shutdown_mark_that_races_a_pooler_republish_is_applied_to_the_new_record()
    {
        var cellKey = TopologyPaths.CellKey(_root, "zone1");
        await etcd.Client.PutAsync(cellKey, TopologyRecords.Encode(TopologyRecords.NewCell("zone1", [etcd.ClientUrl], _root)));
        var id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = "zone1", Name = "p-1" };
        var poolerKey = TopologyPaths.PoolerKey(_root, id);
        Multipooler Pooler(string host) => new()
        {
            Id = id,
            Hostname = host,
            LifecycleStatus = new PoolerLifecycle { Status = PoolerLifecycleStatus.LifecycleActive },
        };
        await etcd.Client.PutAsync(poolerKey, TopologyRecords.Encode(Pooler("old.svc")));
        var (store, client, handler) = NewStore(async () => await etcd.Client.PutAsync(poolerKey, TopologyRecords.Encode(Pooler("new.svc"))));
        using (client)
        using (store)
        {
            Assert.Equal(ShutdownMarkOutcome.Marked, await store.MarkPoolerShutdownAsync("zone1", id));
            Assert.Equal(2, handler.Txns);
            var stored = TopologyRecords.DecodeMultipooler((await etcd.Client.GetAsync(poolerKey))!.Value);
            Assert.Equal("new.svc", stored.Hostname);
            Assert.True(TopologyRecords.IsShutdown(stored));
        }
    }
}
