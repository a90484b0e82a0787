using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Informers;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Tests.Support;

namespace MultigresOrleans.Kubernetes.Tests.Informers;

public sealed class SharedInformerTests
{
    private const string Prefix = "v1/configmaps";

    private static JsonObject Cm(string ns, string name, string value, Dictionary<string, string>? labels = null, string? ownerUid = null)
    {
        var meta = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (labels is not null) meta["labels"] = new JsonObject(labels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        if (ownerUid is not null)
            meta["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Owner", ["name"] = "o", ["uid"] = ownerUid });
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta, ["data"] = new JsonObject { ["k"] = value } };
    }

    /// <summary>A handler that replays notifications into its own map, to compare with the server.</summary>
    private sealed class Recorder : IResourceEventHandler<ConfigMap>
    {
        public ConcurrentDictionary<string, string> Shadow { get; } = new();
        public ConcurrentQueue<string> Log { get; } = new();
        public int InitialAdds;

        public void OnAdd(ConfigMap obj, bool isInInitialList)
        {
            if (isInInitialList) Interlocked.Increment(ref InitialAdds);
            Log.Enqueue($"add {Key(obj)}");
            Shadow[Key(obj)] = obj.Metadata.ResourceVersion!;
        }

        public void OnUpdate(ConfigMap oldObj, ConfigMap newObj)
        {
            Log.Enqueue(ReferenceEquals(oldObj, newObj) ? $"resync {Key(newObj)}" : $"update {Key(newObj)} {oldObj.Data?["k"]}->{newObj.Data?["k"]}");
            Shadow[Key(newObj)] = newObj.Metadata.ResourceVersion!;
        }

        public void OnDelete(ConfigMap obj)
        {
            Log.Enqueue($"delete {Key(obj)}");
            Shadow.TryRemove(Key(obj), out _);
        }

        private static string Key(ConfigMap c) => $"{c.Metadata.Namespace}/{c.Metadata.Name}";
    }

    private static KubernetesClient Client(FakeApiServer server, TimeProvider? time = null) =>
        new(TestClients.Config(server.Url.ToString()), new KubernetesClientOptions { Qps = 0, RequestTimeout = null }, time);

    private static ResourceClient<ConfigMap> ConfigMaps(KubernetesClient client) =>
        client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);

    private static Dictionary<string, string> Versions(Dictionary<string, JsonObject> snapshot) =>
        snapshot.ToDictionary(kv => kv.Key, kv => (string)kv.Value["metadata"]!["resourceVersion"]!);

    private static string Diff(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> seen)
    {
        var missing = expected.Keys.Except(seen.Keys).Take(5);
        var extra = seen.Keys.Except(expected.Keys).Take(5);
        var stale = expected.Where(kv => seen.TryGetValue(kv.Key, out var v) && v != kv.Value).Take(5).Select(kv => $"{kv.Key}@{seen[kv.Key]}!={kv.Value}");
        return $"{expected.Count} expected, {seen.Count} seen; missing [{string.Join(", ", missing)}] extra [{string.Join(", ", extra)}] stale [{string.Join(", ", stale)}]";
    }

    private static Dictionary<string, string> CacheVersions(SharedInformer<ConfigMap> informer) =>
        informer.Cache.List().ToDictionary(c => $"{c.Metadata.Namespace}/{c.Metadata.Name}", c => c.Metadata.ResourceVersion!);

    [Fact]
    public async Task Syncs_then_delivers_add_update_delete_with_old_and_new()
    {
        await using var server = await FakeApiServer.StartAsync();
        for (var i = 0; i < 7; i++) server.Put(Prefix, Cm("a", $"c{i}", "0"));
        using var client = Client(server);
        await using var informer = new SharedInformer<ConfigMap>(ConfigMaps(client), new InformerOptions { PageSize = 3 });
        var recorder = new Recorder();
        informer.AddEventHandler(recorder);
        Assert.False(informer.HasSynced);
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        Assert.True(informer.HasSynced);
        Assert.Equal(7, informer.Cache.Count);
        await Eventually.WaitUntil(() => recorder.InitialAdds == 7, "7 initial adds", () => $"{recorder.InitialAdds}");
        Assert.Equal(3, server.Requests.Count(r => r.StartsWith("GET /api/v1/configmaps?limit=3", StringComparison.Ordinal)));

        await Eventually.WaitUntil(() => server.ActiveWatches == 1, "the watch");
        server.Put(Prefix, Cm("a", "c1", "1"));
        server.Remove(Prefix, "a", "c2");
        server.Put(Prefix, Cm("a", "new", "0"));
        await Eventually.WaitUntil(() => recorder.Log.Count == 10, "3 more notifications", () => string.Join("; ", recorder.Log));
        Assert.Equal(["update a/c1 0->1", "delete a/c2", "add a/new"], recorder.Log.Skip(7));
        Assert.Null(informer.Cache.Get("a", "c2"));
        Assert.Equal("1", informer.Cache.Get("a", "c1")!.Data!["k"]);
    }

    [Fact]
    public async Task Indexes_by_namespace_owner_uid_and_label_value()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Put(Prefix, Cm("a", "x1", "0", new() { ["role"] = "primary" }, ownerUid: "owner-1"));
        server.Put(Prefix, Cm("a", "x2", "0", new() { ["role"] = "replica" }, ownerUid: "owner-1"));
        server.Put(Prefix, Cm("b", "x3", "0", new() { ["role"] = "replica" }, ownerUid: "owner-2"));
        using var client = Client(server);
        await using var informer = new SharedInformer<ConfigMap>(ConfigMaps(client));
        informer.AddIndex(Indexers.OwnerUid, Indexers.ByOwnerUid);
        informer.AddIndex(Indexers.LabelIndexName("role"), Indexers.ByLabel<ConfigMap>("role"));
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        static string[] Names(IEnumerable<ConfigMap> items) => items.Select(i => i.Metadata.Name!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["x1", "x2"], Names(informer.Cache.ByIndex(Indexers.Namespace, "a")));
        Assert.Equal(["x1", "x2"], Names(informer.Cache.ByIndex(Indexers.OwnerUid, "owner-1")));
        Assert.Equal(["x2", "x3"], Names(informer.Cache.ByIndex(Indexers.LabelIndexName("role"), "replica")));

        // A label change moves the object between index values.
        await Eventually.WaitUntil(() => server.ActiveWatches == 1, "the watch");
        server.Put(Prefix, Cm("a", "x2", "1", new() { ["role"] = "primary" }, ownerUid: "owner-1"));
        await Eventually.WaitUntil(() => informer.Cache.ByIndex(Indexers.LabelIndexName("role"), "primary").Count == 2, "x2 promoted in the index");
        Assert.Equal(["x3"], Names(informer.Cache.ByIndex(Indexers.LabelIndexName("role"), "replica")));
        server.Remove(Prefix, "b", "x3");
        await Eventually.WaitUntil(() => informer.Cache.ByIndex(Indexers.OwnerUid, "owner-2").Count == 0, "x3 gone from the owner index");
        Assert.DoesNotContain("b", informer.Cache.IndexValues(Indexers.Namespace));
    }

    [Fact]
    public async Task Relists_after_410_and_reports_deletions_that_happened_while_disconnected()
    {
        await using var server = await FakeApiServer.StartAsync();
        for (var i = 0; i < 5; i++) server.Put(Prefix, Cm("a", $"c{i}", "0"));
        using var client = Client(server);
        await using var informer = new SharedInformer<ConfigMap>(ConfigMaps(client));
        var recorder = new Recorder();
        informer.AddEventHandler(recorder);
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        await Eventually.WaitUntil(() => server.ActiveWatches == 1, "the watch");

        // Changes the watch never sees: the log is compacted, so resuming gets 410 Expired.
        using (server.HoldWatches())
        {
            server.DisconnectWatches();
            server.Remove(Prefix, "a", "c0");
            server.Put(Prefix, Cm("a", "c1", "changed"));
            server.Put(Prefix, Cm("a", "c9", "0"));
            server.Compact();
        }

        var expected = Versions(server.Snapshot(Prefix));
        await Eventually.WaitUntil(() => informer.ListCount == 2 && Diff(expected, CacheVersions(informer)).EndsWith("[] extra [] stale []", StringComparison.Ordinal),
            "a relist that brings the cache up to date", () => $"{informer.ListCount} lists; {Diff(expected, CacheVersions(informer))}");
        await Eventually.WaitUntil(() => recorder.Shadow.Count == expected.Count && expected.All(kv => recorder.Shadow.GetValueOrDefault(kv.Key) == kv.Value),
            "handlers to see the same state", () => Diff(expected, recorder.Shadow));
        Assert.Contains("delete a/c0", recorder.Log);
        Assert.Contains("update a/c1 0->changed", recorder.Log);
        Assert.Contains("add a/c9", recorder.Log);
    }

    [Fact]
    public async Task Label_filtered_informer_caches_only_matching_objects_and_follows_label_changes()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Put(Prefix, Cm("a", "mine", "0", new() { ["managed-by"] = "op" }));
        server.Put(Prefix, Cm("a", "theirs", "0", new() { ["managed-by"] = "other" }));
        using var client = Client(server);
        await using var informer = new SharedInformer<ConfigMap>(ConfigMaps(client), new InformerOptions { LabelSelector = "managed-by=op", Namespace = "a" });
        var recorder = new Recorder();
        informer.AddEventHandler(recorder);
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        Assert.Equal(["a/mine"], informer.Cache.Keys());
        Assert.Contains(server.Requests, r => r.StartsWith("GET /api/v1/namespaces/a/configmaps?labelSelector=managed-by%3Dop", StringComparison.Ordinal));

        await Eventually.WaitUntil(() => server.ActiveWatches == 1, "the watch");
        server.Put(Prefix, Cm("a", "theirs", "1", new() { ["managed-by"] = "op" }));
        server.Put(Prefix, Cm("a", "mine", "1", new() { ["managed-by"] = "nobody" }));
        await Eventually.WaitUntil(() => informer.Cache.Keys().SequenceEqual(["a/theirs"]), "only a/theirs cached", () => string.Join(",", informer.Cache.Keys()));
        await Eventually.WaitUntil(() => recorder.Log.Count == 3, "add then delete", () => string.Join("; ", recorder.Log));
        Assert.Equal(["add a/mine", "add a/theirs", "delete a/mine"], recorder.Log);
    }

    [Fact]
    public async Task Periodic_resync_redelivers_every_cached_object_on_the_injected_clock()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Put(Prefix, Cm("a", "c0", "0"));
        server.Put(Prefix, Cm("a", "c1", "0"));
        var time = new FakeTimeProvider();
        using var client = Client(server, time);
        await using var informer = new SharedInformer<ConfigMap>(ConfigMaps(client), new InformerOptions { ResyncPeriod = TimeSpan.FromMinutes(10), Watch = new WatchOptions { IdleTimeout = TimeSpan.FromHours(1) } });
        var recorder = new Recorder();
        informer.AddEventHandler(recorder);
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        await Eventually.WaitUntil(() => recorder.Log.Count == 2, "two adds");
        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.Equal(2, recorder.Log.Count);
        time.Advance(TimeSpan.FromTicks(1));
        await Eventually.WaitUntil(() => recorder.Log.Count == 4, "two resyncs", () => string.Join("; ", recorder.Log));
        Assert.Equal(["resync a/c0", "resync a/c1"], recorder.Log.Skip(2).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_handler_added_late_gets_the_cache_first_and_a_throwing_handler_does_not_stop_others()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Put(Prefix, Cm("a", "c0", "0"));
        using var client = Client(server);
        await using var informer = new SharedInformer<ConfigMap>(ConfigMaps(client));
        informer.AddEventHandler(new ResourceEventHandler<ConfigMap> { Added = (_, _) => throw new InvalidOperationException("boom") });
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        var late = new Recorder();
        informer.AddEventHandler(late);
        await Eventually.WaitUntil(() => late.InitialAdds == 1, "the late handler's replay of the cache");
        await Eventually.WaitUntil(() => server.ActiveWatches == 1, "the watch");
        server.Put(Prefix, Cm("a", "c1", "0"));
        await Eventually.WaitUntil(() => late.Log.Count == 2, "the live add after the throwing handler", () => string.Join("; ", late.Log));
    }

    [Fact]
    public async Task Cache_equals_the_server_after_1000_random_writes_with_forced_disconnects()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = Client(server);
        var cms = ConfigMaps(client);
        await using var all = new SharedInformer<ConfigMap>(cms);
        await using var filtered = new SharedInformer<ConfigMap>(cms, new InformerOptions { LabelSelector = "tier=db", PageSize = 7 });
        var recorder = new Recorder();
        all.AddEventHandler(recorder);
        all.Start();
        filtered.Start();
        await all.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        await filtered.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);

        var random = new Random(20261122);
        string[] namespaces = ["n1", "n2", "n3"];
        for (var i = 1; i <= 1000; i++)
        {
            var ns = namespaces[random.Next(namespaces.Length)];
            var name = $"cm{random.Next(40)}";
            var roll = random.Next(10);
            if (roll < 2) server.Remove(Prefix, ns, name);
            else if (roll < 4)
            {
                // Some writes go through the client, as an operator's would.
                var tier = random.Next(2) == 0 ? "db" : "web";
                await Dynamic(client).ApplyAsync(Cm(ns, name, i.ToString(CultureInfo.InvariantCulture), new() { ["tier"] = tier }), new ApplyOptions("test"));
            }
            else server.Put(Prefix, Cm(ns, name, i.ToString(CultureInfo.InvariantCulture), new() { ["tier"] = random.Next(2) == 0 ? "db" : "web" }));

            if (i % 100 == 0) server.DisconnectWatches();
            if (i % 250 == 0)
            {
                server.Compact();
                server.DisconnectWatches();
            }
            if (i % 10 == 0 && random.Next(3) == 0) server.EndWatches();
        }

        var expected = Versions(server.Snapshot(Prefix));
        var expectedDb = Versions(server.Snapshot(Prefix).Where(kv => (string?)kv.Value["metadata"]!["labels"]?["tier"] == "db").ToDictionary());
        await Eventually.WaitUntil(() => Diff(expected, CacheVersions(all)).EndsWith("[] extra [] stale []", StringComparison.Ordinal),
            "the informer cache to equal the server", () => Diff(expected, CacheVersions(all)));
        await Eventually.WaitUntil(() => Diff(expectedDb, CacheVersions(filtered)).EndsWith("[] extra [] stale []", StringComparison.Ordinal),
            "the filtered cache to equal the server's tier=db objects", () => Diff(expectedDb, CacheVersions(filtered)));
        await Eventually.WaitUntil(() => Diff(expected, recorder.Shadow).EndsWith("[] extra [] stale []", StringComparison.Ordinal),
            "the handler's replay to equal the server", () => Diff(expected, recorder.Shadow));
        Assert.True(all.ListCount >= 2, $"compaction should have forced a relist; lists: {all.ListCount}");
    }

    private static ResourceClient<JsonObject> Dynamic(KubernetesClient client) => client.Dynamic(KnownResources.ConfigMaps);
}

public sealed class InformerFactoryTests
{
    [Fact]
    public async Task Same_resource_and_options_share_one_informer_and_one_watch()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Put("v1/configmaps", JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n"}}""")!.AsObject());
        using var client = new KubernetesClient(TestClients.Config(server.Url.ToString()), new KubernetesClientOptions { Qps = 0 });
        await using var factory = new InformerFactory();
        var cms = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        var a = factory.GetOrCreate(cms, new InformerOptions { LabelSelector = "x=y" });
        var b = factory.GetOrCreate(client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap), new InformerOptions { LabelSelector = "x=y" });
        var all = factory.GetOrCreate(cms);
        Assert.Same(a, b);
        Assert.NotSame(a, all);
        factory.Start();
        await factory.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        Assert.Equal(0, a.Cache.Count);
        Assert.Equal(1, all.Cache.Count);
        await Eventually.WaitUntil(() => server.ActiveWatches == 2, "one watch per distinct informer", () => $"{server.ActiveWatches}");
        var late = factory.GetOrCreate(client.Dynamic(KnownResources.ConfigMaps));
        await late.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        Assert.Equal(1, late.Cache.Count);
    }
}

public sealed class Http2InformerTests
{
    [Fact]
    public async Task Informer_over_https_and_http2_survives_stream_resets()
    {
        using var certs = new TestCertificates();
        await using var server = await FakeApiServer.StartAsync(certs.Server);
        var config = new KubernetesClientConfiguration { Server = new Uri($"https://localhost:{server.Url.Port}"), CertificateAuthorities = [certs.Ca] };
        using var client = new KubernetesClient(config, new KubernetesClientOptions { Qps = 0 });
        await using var informer = new SharedInformer<JsonObject>(client.Dynamic(KnownResources.ConfigMaps));
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Eventually.DefaultDeadline);
        for (var round = 0; round < 3; round++)
        {
            await Eventually.WaitUntil(() => server.ActiveWatches == 1, "one open watch", () => $"{server.ActiveWatches}");
            server.Put("v1/configmaps", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = $"c{round}", ["namespace"] = "n" } });
            server.DisconnectWatches();
        }
        await Eventually.WaitUntil(() => informer.Cache.Count == 3, "3 objects cached", () => $"{informer.Cache.Count}");
        Assert.All(server.Protocols, p => Assert.Equal("HTTP/2", p));
        Assert.Equal(1, informer.ListCount);
    }
}
