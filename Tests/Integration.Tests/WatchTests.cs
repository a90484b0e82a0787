using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Observability;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Informers;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Integration.Tests;

/// <summary>Watch resume across KubeSim's dropped streams, and 410 handling after its history is compacted.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class WatchTests(KubeSimFixture fx) : IDisposable
{
    public void Dispose() => fx.Server.Faults.Clear();

    [Fact]
    public async Task Watch_resumes_after_forced_disconnects_without_missing_or_duplicating_events()
    {
        var ns = await fx.NewNamespaceAsync("watch");
        var (user, token) = fx.NewUser("watcher");
        using var client = fx.NewClient(token: token);
        var configMaps = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        var start = await configMaps.ListAsync(ns);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<(WatchEventType Type, string Name, string Rv)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var ev in configMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = start.ResourceVersion }, cts.Token))
            {
                if (ev.Type == WatchEventType.Bookmark)
                    continue;
                lock (seen)
                    seen.Add((ev.Type, ev.Object!.Metadata.Name!, ev.ResourceVersion!));
            }
        }, cts.Token);

        // Every fourth event the server would send closes the stream instead.
        fx.Server.Faults.Seed(7);
        fx.Server.Faults.WatchDropRate = 0.25;

        var expected = new List<(WatchEventType, string, string)>();
        for (var i = 0; i < 40; i++)
        {
            var name = $"cm-{i % 10}";
            if (i < 10)
            {
                var c = await configMaps.CreateAsync(KubeSimFixture.ConfigMap(name, ns));
                expected.Add((WatchEventType.Added, name, c.Metadata.ResourceVersion!));
            }
            else if (i < 30)
            {
                var u = await configMaps.PatchAsync(name, ns, PatchType.Merge, new JsonObject { ["data"] = new JsonObject { ["i"] = $"{i}" } });
                expected.Add((WatchEventType.Modified, name, u.Metadata.ResourceVersion!));
            }
            else
            {
                var d = await configMaps.DeleteAsync(name, ns);
                // The DELETED event carries the object's last state with a new resourceVersion; match it by name.
                expected.Add((WatchEventType.Deleted, name, d?.Metadata.ResourceVersion ?? ""));
            }
        }

        await Eventually.WaitUntil(() => { lock (seen) return seen.Count >= expected.Count; },
            $"{expected.Count} events", () => { lock (seen) return $"{seen.Count} events"; });
        fx.Server.Faults.WatchDropRate = 0;
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);

        List<(WatchEventType, string, string)> got;
        lock (seen)
            got = [.. seen];
        Assert.Equal(expected.Select(e => (e.Item1, e.Item2)), got.Select(e => (e.Item1, e.Item2)));
        Assert.Equal(expected.Take(30).Select(e => e.Item3), got.Take(30).Select(e => e.Item3));
        Assert.Equal(got.Count, got.Select(e => e.Item3).Distinct().Count());
        // The faults really cut the stream: the watcher had to reconnect several times.
        Assert.True(fx.Server.Counters.Count(verb: "watch", user: user) > 3,
            $"expected several watch requests, KubeSim saw {fx.Server.Counters.Count(verb: "watch", user: user)}");
    }

    [Fact]
    public async Task Watch_from_a_compacted_resourceVersion_throws_ResourceExpired()
    {
        var ns = await fx.NewNamespaceAsync("expired");
        var configMaps = fx.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        var old = (await configMaps.ListAsync(ns)).ResourceVersion;
        await configMaps.CreateAsync(KubeSimFixture.ConfigMap("after", ns));
        fx.Server.Store.Compact();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var e = await Assert.ThrowsAsync<ResourceExpiredException>(async () =>
        {
            await foreach (var ev in configMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = old }, cts.Token))
                Assert.Fail($"no event expected from a compacted version, got {ev.Type}");
        });
        Assert.Equal(410, (int)e.StatusCode);
    }

    [Fact]
    public async Task Informer_relists_after_410_and_catches_up()
    {
        var ns = await fx.NewNamespaceAsync("relist");
        var configMaps = fx.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        await configMaps.CreateAsync(KubeSimFixture.ConfigMap("before", ns));
        await using var informer = new SharedInformer<ConfigMap>(configMaps, new InformerOptions { Namespace = ns });
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, informer.ListCount);

        // The next event is never delivered (every stream closes before sending it), then the
        // history behind the informer is compacted: its only way to see `during` is a relist.
        fx.Server.Faults.WatchDropRate = 1;
        await configMaps.CreateAsync(KubeSimFixture.ConfigMap("during", ns));
        fx.Server.Store.Compact();
        await Eventually.WaitUntil(() => informer.ListCount >= 2 && informer.Cache.Get(ns, "during") is not null,
            "a relist that brings in `during`", () => $"lists={informer.ListCount} keys=[{string.Join(",", informer.Cache.Keys())}]");
        fx.Server.Faults.WatchDropRate = 0;

        // After the relist the watch works again.
        await configMaps.CreateAsync(KubeSimFixture.ConfigMap("after", ns));
        await Eventually.WaitUntil(() => informer.Cache.Get(ns, "after") is not null, "`after` delivered by the resumed watch",
            () => string.Join(",", informer.Cache.Keys()));
        Assert.Equal(["before", "during", "after"], informer.Cache.List().Select(c => c.Metadata.Name!).OrderBy(n => n == "before" ? 0 : n == "during" ? 1 : 2));
    }

    [Fact]
    public async Task Injected_410_on_watch_requests_makes_the_informer_relist()
    {
        var ns = await fx.NewNamespaceAsync("storm");
        var configMaps = fx.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        await using var informer = new SharedInformer<ConfigMap>(configMaps, new InformerOptions { Namespace = ns });
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));

        // A 410 storm: the open stream is cut, and every new watch request is answered 410 Gone, so
        // each reconnect must end in a fresh list.
        fx.Server.Faults.Add(new FaultRule { Verb = "watch", Resource = "configmaps", ErrorRate = 1, StatusCode = 410 });
        fx.Server.Faults.WatchDropRate = 1;
        await configMaps.CreateAsync(KubeSimFixture.ConfigMap("during", ns));
        await Eventually.WaitUntil(() => informer.ListCount >= 3 && informer.Cache.Get(ns, "during") is not null,
            "relists during the storm that bring in `during`", () => $"lists={informer.ListCount} keys=[{string.Join(",", informer.Cache.Keys())}]");
        fx.Server.Faults.Clear();

        await configMaps.CreateAsync(KubeSimFixture.ConfigMap("after", ns));
        await Eventually.WaitUntil(() => informer.Cache.Get(ns, "after") is not null, "`after` delivered once the storm is over",
            () => string.Join(",", informer.Cache.Keys()));
        Assert.Equal(2, informer.Cache.Count);
    }

    [Fact]
    public async Task Bookmarks_arrive_on_KubeSims_clock_and_carry_the_current_resourceVersion()
    {
        var ns = await fx.NewNamespaceAsync("bookmark");
        var configMaps = fx.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        var created = await configMaps.CreateAsync(KubeSimFixture.ConfigMap("b", ns));
        var due = fx.ServerTime.GetUtcNow() + fx.Server.Options.BookmarkInterval;

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var events = configMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = created.Metadata.ResourceVersion }, cts.Token)
            .GetAsyncEnumerator(cts.Token);
        var next = events.MoveNextAsync().AsTask();
        // The server's idle wait is a timer on its injected clock; fire it instead of waiting. Another
        // watch may have armed a timer for the same instant first, so keep moving the clock by one
        // interval until this stream's bookmark arrives.
        await fx.ServerTime.WhenArmed(due);
        await Eventually.WaitUntil(() =>
        {
            if (next.IsCompleted)
                return true;
            fx.ServerTime.Advance(fx.Server.Options.BookmarkInterval);
            return false;
        }, "a bookmark after the bookmark interval on KubeSim's clock");
        Assert.True(await next);
        Assert.Equal(WatchEventType.Bookmark, events.Current.Type);
        Assert.True(long.Parse(events.Current.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture)
            >= long.Parse(created.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture));
        await cts.CancelAsync();
    }
}
