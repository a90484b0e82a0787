using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Informers;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Integration.Tests;

/// <summary>Informer caches against KubeSim under random writes and forced disconnects.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class InformerTests(KubeSimFixture fx) : IDisposable
{
    private const string SuiteLabel = "integration.multigres.test/informer";

    public void Dispose() => fx.Server.Faults.Clear();

    [Fact]
    public async Task Caches_equal_the_server_after_1000_random_writes_with_forced_disconnects()
    {
        // The informers and the writer run as a user of their own, so KubeSim's counters show this test's reconnects.
        var (run, token) = fx.NewUser("informer");
        string[] namespaces = [await fx.NewNamespaceAsync("inf-a"), await fx.NewNamespaceAsync("inf-b"), await fx.NewNamespaceAsync("inf-c")];
        using var client = fx.NewClient(token: token);
        var configMaps = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);

        // Everything this test writes carries the suite label (so the "all" informer does not see other
        // tests' objects); the filtered informer also selects on `tier`, which writes move objects in and out of.
        var allSelector = $"{SuiteLabel}={run}";
        var filteredSelector = $"{allSelector},tier=gold";
        var fast = new WatchOptions { ReconnectDelay = TimeSpan.FromMilliseconds(1), MaxReconnectDelay = TimeSpan.FromMilliseconds(20) };
        await using var all = new SharedInformer<ConfigMap>(configMaps, new InformerOptions { LabelSelector = allSelector, PageSize = 50, Watch = fast });
        await using var filtered = new SharedInformer<ConfigMap>(configMaps, new InformerOptions { LabelSelector = filteredSelector, PageSize = 50, Watch = fast });
        all.Start();
        filtered.Start();
        await Task.WhenAll(all.WaitForSyncAsync(), filtered.WaitForSyncAsync()).WaitAsync(TimeSpan.FromSeconds(10));

        fx.Server.Faults.Seed(42);
        fx.Server.Faults.WatchDropRate = 0.02;
        var random = new Random(1234);
        var live = new List<(string Ns, string Name)>();
        var next = 0;
        string[] tiers = ["gold", "silver", "bronze"];
        var writes = new Dictionary<string, int>();
        for (var i = 0; i < 1000; i++)
        {
            // Twice during the run a write is kept from every watcher (each stream closes before
            // sending it) and the history behind them is compacted: both informers must relist.
            var compactNow = i is 333 or 666;
            var listsBefore = (all.ListCount, filtered.ListCount);
            if (compactNow)
                fx.Server.Faults.WatchDropRate = 1;
            var op = live.Count < 20 || compactNow ? 0 : random.Next(10);
            string kind;
            if (op < 4)
            {
                var target = (namespaces[random.Next(namespaces.Length)], $"cm-{next++}");
                await configMaps.CreateAsync(KubeSimFixture.ConfigMap(target.Item2, target.Item1,
                    new() { ["v"] = "0" }, new() { [SuiteLabel] = run, ["tier"] = tiers[random.Next(tiers.Length)] }));
                live.Add(target);
                kind = "create";
            }
            else if (op < 8)
            {
                var (ns, name) = live[random.Next(live.Count)];
                await configMaps.PatchAsync(name, ns, PatchType.Merge, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["tier"] = tiers[random.Next(tiers.Length)] } },
                    ["data"] = new JsonObject { ["v"] = $"{i}" },
                });
                kind = "update";
            }
            else
            {
                var index = random.Next(live.Count);
                var (ns, name) = live[index];
                live.RemoveAt(index);
                await configMaps.DeleteAsync(name, ns);
                kind = "delete";
            }
            writes[kind] = writes.GetValueOrDefault(kind) + 1;

            if (compactNow)
            {
                fx.Server.Store.Compact();
                await Eventually.WaitUntil(() => all.ListCount > listsBefore.Item1 && filtered.ListCount > listsBefore.Item2,
                    "both informers to relist after compaction", () => $"lists all={all.ListCount} filtered={filtered.ListCount}");
                fx.Server.Faults.WatchDropRate = 0.02;
            }
        }
        fx.Server.Faults.WatchDropRate = 0;
        // One more write after the faults stop, so a watcher whose stream was cut on the last write reconnects and catches up.
        await configMaps.CreateAsync(KubeSimFixture.ConfigMap("final", namespaces[0], labels: new() { [SuiteLabel] = run, ["tier"] = "gold" }));

        var serverAll = await Snapshot(configMaps, allSelector);
        var serverFiltered = await Snapshot(configMaps, filteredSelector);
        Assert.True(serverFiltered.Count > 0 && serverFiltered.Count < serverAll.Count, "the filter must select a proper subset");
        await Eventually.WaitUntil(() => Same(CacheSnapshot(all), serverAll), "the unfiltered cache to equal the server's list",
            () => Diff(CacheSnapshot(all), serverAll), TimeSpan.FromSeconds(20));
        await Eventually.WaitUntil(() => Same(CacheSnapshot(filtered), serverFiltered), "the filtered cache to equal the server's filtered list",
            () => Diff(CacheSnapshot(filtered), serverFiltered), TimeSpan.FromSeconds(20));

        // The built-in namespace index follows too, and the faults really happened.
        foreach (var ns in namespaces)
            Assert.Equal(serverAll.Keys.Count(k => k.StartsWith(ns + "/", StringComparison.Ordinal)), all.Cache.ByIndex(Indexers.Namespace, ns).Count);
        Assert.True(all.ListCount >= 3 && filtered.ListCount >= 3, $"expected two relists after compaction, saw {all.ListCount} and {filtered.ListCount} lists");
        Assert.True(writes.Values.All(n => n > 100), string.Join(", ", writes));
        var watches = fx.Server.Counters.Count(verb: "watch", user: run);
        Assert.True(watches > 20, $"expected many forced reconnects, KubeSim saw {watches} watch requests");
    }

    private static async Task<Dictionary<string, string>> Snapshot(ResourceClient<ConfigMap> client, string selector)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var cm in client.ListAllAsync(null, new ListOptions { LabelSelector = selector, Limit = 200 }))
            result[InformerCache<ConfigMap>.KeyOf(cm.Metadata)] = cm.Metadata.ResourceVersion!;
        return result;
    }

    private static Dictionary<string, string> CacheSnapshot(SharedInformer<ConfigMap> informer) =>
        informer.Cache.List().ToDictionary(c => InformerCache<ConfigMap>.KeyOf(c.Metadata), c => c.Metadata.ResourceVersion!, StringComparer.Ordinal);

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static string Diff(Dictionary<string, string> cache, Dictionary<string, string> server)
    {
        var missing = server.Keys.Except(cache.Keys).Take(5);
        var extra = cache.Keys.Except(server.Keys).Take(5);
        var stale = server.Where(kv => cache.TryGetValue(kv.Key, out var v) && v != kv.Value).Select(kv => kv.Key).Take(5);
        return $"cache {cache.Count} vs server {server.Count}; missing [{string.Join(",", missing)}] extra [{string.Join(",", extra)}] stale [{string.Join(",", stale)}]";
    }
}
