using Google.Protobuf;
using MultigresOrleans.Etcd;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Grains.Topology.ClusterMetadata;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Grains.Tests.Topology;

[Collection(TopologyEtcdCollection.Name)]
public sealed class TopologyStoreTests(TopologyEtcdFixture etcd) : IDisposable
{
    private readonly string _root = TopologyEtcdFixture.NewRoot(nameof(TopologyStoreTests));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private TopologyStore? _store;

    private TopologyStore Store => _store ??= new TopologyStore(etcd.Client, _root, timeProvider: _time);

    private EtcdClient Etcd => etcd.Client;

    public void Dispose() => _store?.Dispose();

    private static Database NewDatabase(string name, params string[] cells) =>
        TopologyRecords.NewDatabase(name, TopologyRecords.FilesystemBackupLocation(null, false), cells, TopologyRecords.DurabilityPolicyFor(null));

    private async Task<long> ModRevisionAsync(string key) =>
        (await Etcd.GetAsync(key))?.ModRevision ?? throw new InvalidOperationException($"expected {key} to exist");

    [Fact]
    public async Task Cell_registration_creates_then_writes_nothing_while_unchanged()
    {
        var desired = TopologyRecords.NewCell("zone1", [etcd.ClientUrl], _root);
        var key = TopologyPaths.CellKey(_root, "zone1");

        Assert.Equal(RegistrationOutcome.Created, await Store.RegisterCellAsync(desired));
        var created = await ModRevisionAsync(key);
        Assert.Equal(TopologyRecords.Encode(desired), (await Etcd.GetAsync(key))!.Value);

        Assert.Equal(RegistrationOutcome.Unchanged, await Store.RegisterCellAsync(desired.Clone()));
        Assert.Equal(RegistrationOutcome.Unchanged, await Store.RegisterCellAsync(desired.Clone()));
        Assert.Equal(created, await ModRevisionAsync(key));

        var moved = TopologyRecords.NewCell("zone1", ["zone1-topo.ns.svc:2379"], "/multigres/zone1");
        Assert.Equal(RegistrationOutcome.Updated, await Store.RegisterCellAsync(moved));
        Assert.True(await ModRevisionAsync(key) > created);
        var stored = await Store.GetCellAsync("zone1");
        Assert.Equal(moved, stored!.Value);
    }

    [Fact]
    public async Task Cell_update_keeps_fields_it_does_not_own_and_uses_the_current_revision()
    {
        var key = TopologyPaths.CellKey(_root, "zone1");
        // A record written by a newer Multigres with an extra field 9 (varint 7).
        var newer = TopologyRecords.Encode(TopologyRecords.NewCell("zone1", ["old:2379"], _root)).Concat(new byte[] { 0x48, 7 }).ToArray();
        await Etcd.PutAsync(key, newer);

        Assert.Equal(RegistrationOutcome.Updated, await Store.RegisterCellAsync(TopologyRecords.NewCell("zone1", ["new:2379"], _root)));
        var value = (await Etcd.GetAsync(key))!.Value;
        Assert.Equal(new byte[] { 0x48, 7 }, value[^2..]);
        Assert.Equal(["new:2379"], TopologyRecords.DecodeCell(value).ServerAddresses);
    }

    [Fact]
    public async Task Database_registration_creates_then_writes_nothing_while_unchanged()
    {
        var key = TopologyPaths.DatabaseKey(_root, "postgres");
        Assert.Equal(RegistrationOutcome.Created, await Store.RegisterDatabaseAsync(NewDatabase("postgres", "zone1")));
        var created = await ModRevisionAsync(key);

        for (var i = 0; i < 3; i++)
            Assert.Equal(RegistrationOutcome.Unchanged, await Store.RegisterDatabaseAsync(NewDatabase("postgres", "zone1")));
        Assert.Equal(created, await ModRevisionAsync(key));

        Assert.Equal(RegistrationOutcome.Updated, await Store.RegisterDatabaseAsync(NewDatabase("postgres", "zone1", "zone2")));
        Assert.Equal(["zone1", "zone2"], (await Store.GetDatabaseAsync("postgres"))!.Value.Cells);
        Assert.True(await ModRevisionAsync(key) > created);
    }

    [Fact]
    public async Task Database_update_keeps_a_stored_authoritative_generation()
    {
        var stored = NewDatabase("db", "zone1");
        stored.BackupLocation.AuthoritativeGeneration = 1;
        await Etcd.PutAsync(TopologyPaths.DatabaseKey(_root, "db"), stored.ToByteArray());

        Assert.Equal(RegistrationOutcome.Unchanged, await Store.RegisterDatabaseAsync(NewDatabase("db", "zone1")));
        Assert.Equal(RegistrationOutcome.Updated, await Store.RegisterDatabaseAsync(NewDatabase("db", "zone1", "zone2")));
        Assert.Equal(1, (await Store.GetDatabaseAsync("db"))!.Value.BackupLocation.AuthoritativeGeneration);
    }

    [Fact]
    public async Task Names_are_listed_from_directories_including_claim_only_databases()
    {
        await Store.RegisterCellAsync(TopologyRecords.NewCell("b", ["x"], _root));
        await Store.RegisterCellAsync(TopologyRecords.NewCell("a", ["x"], _root));
        await Store.RegisterDatabaseAsync(NewDatabase("db1", "a"));
        await Etcd.PutAsync(TopologyPaths.Join(_root, "databases", "db0", "tg", "0", "ShardInitClaim"), [1]);

        Assert.Equal(["a", "b"], await Store.GetCellNamesAsync());
        Assert.Equal(["db0", "db1"], await Store.GetDatabaseNamesAsync());
    }

    [Fact]
    public async Task Pruning_databases_deletes_only_stale_database_records()
    {
        await Store.RegisterDatabaseAsync(NewDatabase("keep", "zone1"));
        await Store.RegisterDatabaseAsync(NewDatabase("stale", "zone1"));
        var claim = TopologyPaths.Join(_root, "databases", "stale", "tg", "0", "ShardInitClaim");
        await Etcd.PutAsync(claim, [1]);
        await Etcd.PutAsync(TopologyPaths.Join(_root, "databases", "claimonly", "tg", "0", "ShardInitClaim"), [1]);

        var results = await Store.PruneDatabasesAsync(new HashSet<string> { "keep" });

        Assert.Equal([new PruneResult("claimonly", PruneOutcome.AlreadyGone), new PruneResult("stale", PruneOutcome.Deleted)], results);
        Assert.NotNull(await Store.GetDatabaseAsync("keep"));
        Assert.Null(await Store.GetDatabaseAsync("stale"));
        Assert.NotNull(await Etcd.GetAsync(claim)); // ShardInitClaims are multiorch's, not ours
        Assert.Empty(await Store.PruneDatabasesAsync(new HashSet<string> { "keep", "stale", "claimonly" }));
    }

    [Fact]
    public async Task Pruning_cells_still_works_after_a_database_was_pruned_contracts_8_10()
    {
        await Store.RegisterCellAsync(TopologyRecords.NewCell("zone1", ["x"], _root));
        await Store.RegisterCellAsync(TopologyRecords.NewCell("zone2", ["x"], _root));
        await Store.RegisterDatabaseAsync(NewDatabase("keep", "zone1"));
        await Store.RegisterDatabaseAsync(NewDatabase("gone", "zone1", "zone2"));
        await Etcd.PutAsync(TopologyPaths.Join(_root, "databases", "gone", "tg", "0", "ShardInitClaim"), [1]);
        await Store.PruneDatabasesAsync(new HashSet<string> { "keep" });

        // "gone" is still listed (its claim lives on) but has no record; the reference stops here silently.
        var results = await Store.PruneCellsAsync(new HashSet<string> { "zone1" });

        Assert.Equal([new PruneResult("zone2", PruneOutcome.Deleted)], results);
        Assert.Equal(["zone1"], await Store.GetCellNamesAsync());
    }

    [Fact]
    public async Task A_cell_still_listed_by_a_database_is_kept_and_reported()
    {
        await Store.RegisterCellAsync(TopologyRecords.NewCell("zone1", ["x"], _root));
        await Store.RegisterCellAsync(TopologyRecords.NewCell("zone2", ["x"], _root));
        await Store.RegisterDatabaseAsync(NewDatabase("db", "zone1", "zone2"));
        var before = await ModRevisionAsync(TopologyPaths.CellKey(_root, "zone2"));

        var results = await Store.PruneCellsAsync(new HashSet<string> { "zone1" });

        var result = Assert.Single(results);
        Assert.Equal(PruneOutcome.Referenced, result.Outcome);
        Assert.Equal("cell zone2 is referenced by database db", result.Detail);
        Assert.Equal(before, await ModRevisionAsync(TopologyPaths.CellKey(_root, "zone2")));
    }

    private async Task<Multipooler> PutPoolerAsync(string cellRoot, string cell, string name, string database, string tableGroup, string shard,
        string host, PoolerLifecycleStatus status = PoolerLifecycleStatus.LifecycleActive)
    {
        var pooler = new Multipooler
        {
            Id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = cell, Name = name },
            ShardKey = new ShardKey { Database = database, TableGroup = tableGroup, Shard = shard },
            Hostname = host,
            LifecycleStatus = new PoolerLifecycle { Status = status, Reason = "pooler active" },
            RoutingState = new RoutingState { Role = RoutingRole.Replica },
        };
        pooler.PortMap.Add("grpc", 15270);
        await Etcd.PutAsync(TopologyPaths.PoolerKey(cellRoot, pooler.Id), pooler.ToByteArray());
        return pooler;
    }

    [Fact]
    public async Task Poolers_of_a_shard_are_listed_per_cell_with_the_shard_filter()
    {
        // Default layout: both cells point back at the global etcd and root.
        await Store.RegisterCellAsync(TopologyRecords.NewCell("zone1", [etcd.ClientUrl], _root));
        await Store.RegisterCellAsync(TopologyRecords.NewCell("zone2", [etcd.ClientUrl], _root));
        var a = await PutPoolerAsync(_root, "zone1", "p-a", "postgres", "default", "0-inf", "pod-a.svc");
        var b = await PutPoolerAsync(_root, "zone1", "p-b", "postgres", "default", "0-inf", "pod-b.svc");
        await PutPoolerAsync(_root, "zone1", "p-c", "postgres", "other", "0-inf", "pod-c.svc");
        await PutPoolerAsync(_root, "zone1", "p-d", "otherdb", "default", "0-inf", "pod-d.svc");
        await PutPoolerAsync(_root, "zone2", "p-e", "postgres", "default", "0-inf", "pod-e.svc");

        var shard = await Store.GetPoolersByCellAsync("zone1", new DatabaseShard("postgres", "default", "0-inf"));
        Assert.Equal([a, b], shard.Select(r => r.Pooler));
        Assert.All(shard, r => Assert.True(r.ModRevision > 0));
        Assert.Equal(TopologyPaths.PoolerKey(_root, a.Id), shard[0].Key);

        Assert.Equal(4, (await Store.GetPoolersByCellAsync("zone1")).Count);
        Assert.Equal(3, (await Store.GetPoolersByCellAsync("zone1", new DatabaseShard("postgres"))).Count);
        Assert.Equal(["p-e"], (await Store.GetPoolersByCellAsync("zone2", new DatabaseShard("postgres"))).Select(r => r.Pooler.Id.Name));
    }

    [Fact]
    public async Task Pooler_listing_rejects_bad_filters_and_a_missing_cell()
    {
        var bad = await Assert.ThrowsAsync<TopologyException>(() => Store.GetPoolersByCellAsync("zone1", new DatabaseShard("db", "", "0")));
        Assert.Equal("topo error [11]: cannot filter by Shard without specifying TableGroup", bad.Message);
        bad = await Assert.ThrowsAsync<TopologyException>(() => Store.GetPoolersByCellAsync("zone1", new DatabaseShard("", "tg")));
        Assert.Equal(TopologyErrorCode.BadInput, bad.Code);

        var missing = await Assert.ThrowsAsync<TopologyException>(() => Store.GetPoolersByCellAsync("nowhere"));
        Assert.Equal(TopologyErrorCode.NoNode, missing.Code);
        Assert.Contains("/cells/nowhere/Cell", missing.Message, StringComparison.Ordinal);

        await Store.RegisterCellAsync(TopologyRecords.NewCell("empty", [etcd.ClientUrl], _root + "/empty"));
        Assert.Empty(await Store.GetPoolersByCellAsync("empty"));
    }

    [Fact]
    public async Task A_cell_on_its_own_topology_gets_one_cached_client()
    {
        var made = 0;
        using var store = new TopologyStore(etcd.Client, _root, addresses =>
        {
            Interlocked.Increment(ref made);
            return new EtcdClient(new EtcdClientOptions { Endpoints = addresses });
        });
        var localhost = etcd.ClientUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var cellRoot = _root + "/zone1-local";
        await store.RegisterCellAsync(TopologyRecords.NewCell("zone1", [localhost], cellRoot));
        var pooler = await PutPoolerAsync(cellRoot, "zone1", "p-a", "postgres", "default", "0", "pod-a.svc");

        Assert.Equal([pooler], (await store.GetPoolersByCellAsync("zone1")).Select(r => r.Pooler));
        Assert.Equal([pooler], (await store.GetPoolersByCellAsync("zone1")).Select(r => r.Pooler));
        Assert.Equal(1, made);
        Assert.Empty(await store.GetPoolersByCellAsync("zone1", new DatabaseShard("other")));
    }

    [Fact]
    public async Task Marking_a_dead_pooler_sets_only_its_lifecycle_and_never_deletes_it()
    {
        await Store.RegisterCellAsync(TopologyRecords.NewCell("zone1", [etcd.ClientUrl], _root));
        var pooler = await PutPoolerAsync(_root, "zone1", "p-dead", "postgres", "default", "0", "pod-gone.svc");
        var key = TopologyPaths.PoolerKey(_root, pooler.Id);

        var dead = TopologyRecords.FindDeadPoolers(await Store.GetPoolersByCellAsync("zone1"), ["pod-alive"]);
        Assert.Equal(ShutdownMarkOutcome.Marked, await Store.MarkPoolerShutdownAsync("zone1", Assert.Single(dead).Pooler.Id));

        var stored = TopologyRecords.DecodeMultipooler((await Etcd.GetAsync(key))!.Value);
        Assert.Equal(PoolerLifecycleStatus.LifecycleShutdown, stored.LifecycleStatus.Status);
        Assert.Equal(TopologyRecords.DeadPoolerReason, stored.LifecycleStatus.Reason);
        Assert.Equal(_time.GetUtcNow(), stored.LifecycleStatus.Updated.ToDateTimeOffset());
        stored.LifecycleStatus = pooler.LifecycleStatus;
        Assert.Equal(pooler, stored);

        var marked = await ModRevisionAsync(key);
        Assert.Equal(ShutdownMarkOutcome.AlreadyShutdown, await Store.MarkPoolerShutdownAsync("zone1", pooler.Id, "again"));
        Assert.Equal(marked, await ModRevisionAsync(key));
        Assert.Empty(TopologyRecords.FindDeadPoolers(await Store.GetPoolersByCellAsync("zone1"), []));
    }

    [Fact]
    public async Task Marking_a_missing_pooler_is_no_node_and_writes_nothing()
    {
        await Store.RegisterCellAsync(TopologyRecords.NewCell("zone1", [etcd.ClientUrl], _root));
        var id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = "zone1", Name = "p-none" };

        var error = await Assert.ThrowsAsync<TopologyException>(() => Store.MarkPoolerShutdownAsync("zone1", id));
        Assert.Equal(TopologyErrorCode.NoNode, error.Code);
        Assert.Null(await Etcd.GetAsync(TopologyPaths.PoolerKey(_root, id)));
    }

    [Fact]
    public async Task An_undecodable_record_is_reported_with_its_key()
    {
        await Etcd.PutAsync(TopologyPaths.CellKey(_root, "broken"), [0xFF, 0xFF]);
        var error = await Assert.ThrowsAsync<TopologyException>(() => Store.GetCellAsync("broken"));
        Assert.Contains("/cells/broken/Cell", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_topology_is_unavailable_naming_the_endpoint()
    {
        var dead = ClosedEndpoint();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [dead], InitialBackoff = TimeSpan.FromMilliseconds(1) });
        using var store = new TopologyStore(client, _root);

        var error = await Assert.ThrowsAsync<EtcdUnavailableException>(() => store.RegisterCellAsync(TopologyRecords.NewCell("zone1", ["x"], _root)));
        Assert.Contains("UNAVAILABLE", error.Message, StringComparison.Ordinal);
        Assert.Equal([dead], error.Endpoints);
    }

    private static string ClosedEndpoint()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return $"http://127.0.0.1:{((System.Net.IPEndPoint)socket.LocalEndPoint!).Port}";
    }
}
