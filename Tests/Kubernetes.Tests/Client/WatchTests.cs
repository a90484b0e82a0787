using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Tests.Support;

namespace MultigresOrleans.Kubernetes.Tests.Client;

/// <summary>Watch streams against a live server with injected disconnects, bookmarks, expiry and silence.</summary>
public sealed class WatchTests
{
    private const string Prefix = "v1/configmaps";

    private static JsonObject Cm(string name, string value, string ns = "w") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["data"] = new JsonObject { ["k"] = value },
    };

    private sealed class Collector : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        public ConcurrentQueue<WatchEvent<JsonObject>> Events { get; } = new();
        public Task Run { get; }
        public Exception? Error { get; private set; }

        public Collector(ResourceClient<JsonObject> client, string? ns, WatchOptions options)
        {
            Run = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in client.WatchAsync(ns, options, _cts.Token)) Events.Enqueue(e);
                }
                catch (OperationCanceledException) when (_cts.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    Error = e;
                }
            });
        }

        public List<string> Versions(WatchEventType? type = null) =>
            Events.Where(e => type is null ? e.Type != WatchEventType.Bookmark : e.Type == type).Select(e => e.ResourceVersion!).ToList();

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            await Run.WaitAsync(Eventually.DefaultDeadline);
            _cts.Dispose();
        }
    }

    private static KubernetesClient Client(FakeApiServer server, TimeProvider? time = null) =>
        new(TestClients.Config(server.Url.ToString()), new KubernetesClientOptions { Qps = 0 }, time);

    [Fact]
    public async Task Resumes_after_forced_disconnects_without_missing_or_repeating_events()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = Client(server);
        var cms = client.Dynamic(KnownResources.ConfigMaps);
        server.Put(Prefix, Cm("seed", "0"));
        var list = await cms.ListAsync("w");
        await using var watch = new Collector(cms, "w", new WatchOptions { ResourceVersion = list.ResourceVersion });

        var expected = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            // A new connection each round: the previous one may still count as active for a moment after the disconnect.
            var connection = round + 1;
            await Eventually.WaitUntil(() => server.WatchRequestCount >= connection && server.ActiveWatches == 1,
                $"watch connection {connection} open", () => $"{server.WatchRequestCount} watch requests, {server.ActiveWatches} active");
            for (var i = 0; i < 10; i++)
                expected.Add((string)server.Put(Prefix, Cm($"o{i}", $"{round}"))["metadata"]!["resourceVersion"]!);
            if (round % 2 == 0) server.Remove(Prefix, "w", $"o{round}");
            if (round % 2 == 0) expected.Add(server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // Break the connection while events may still be in flight.
            server.DisconnectWatches();
        }
        await Eventually.WaitUntil(() => watch.Versions().Count >= expected.Count, $"{expected.Count} events", () => $"{watch.Versions().Count}, error {watch.Error}");
        Assert.Null(watch.Error);
        Assert.Equal(expected, watch.Versions());
        Assert.Equal(3, watch.Events.Count(e => e.Type == WatchEventType.Deleted));
        // The client comes back after the last disconnect too.
        await Eventually.WaitUntil(() => server.WatchRequestCount >= 6, "a sixth watch request after the fifth disconnect", () => $"{server.WatchRequestCount}");
    }

    [Fact]
    public async Task Resume_point_advances_with_bookmarks_and_clean_stream_ends()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = Client(server);
        var cms = client.Dynamic(KnownResources.ConfigMaps);
        var list = await cms.ListAsync("w");
        await using var watch = new Collector(cms, "w", new WatchOptions { ResourceVersion = list.ResourceVersion });
        await Eventually.WaitUntil(() => server.ActiveWatches == 1, "one open watch");
        server.Put(Prefix, Cm("other-namespace", "x", ns: "elsewhere"));
        server.SendBookmarks();
        await Eventually.WaitUntil(() => watch.Events.Any(e => e.Type == WatchEventType.Bookmark), "a bookmark");
        var bookmarkRv = watch.Events.Single(e => e.Type == WatchEventType.Bookmark).ResourceVersion;
        Assert.Equal(server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), bookmarkRv);

        server.EndWatches();
        await Eventually.WaitUntil(() => server.WatchRequestCount == 2, "a second watch request");
        var resumed = server.Requests.Last(r => r.Contains("watch=true", StringComparison.Ordinal));
        Assert.Contains($"resourceVersion={bookmarkRv}", resumed, StringComparison.Ordinal);
        Assert.Contains("allowWatchBookmarks=true", resumed, StringComparison.Ordinal);
        Assert.Empty(watch.Versions());
    }

    [Fact]
    public async Task Expired_resource_version_surfaces_as_410_after_resume()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = Client(server);
        var cms = client.Dynamic(KnownResources.ConfigMaps);
        server.Put(Prefix, Cm("a", "1"));
        var list = await cms.ListAsync("w");
        await using var watch = new Collector(cms, "w", new WatchOptions { ResourceVersion = list.ResourceVersion });
        await Eventually.WaitUntil(() => server.ActiveWatches == 1, "one open watch");
        server.Put(Prefix, Cm("a", "2"));
        await Eventually.WaitUntil(() => watch.Events.Count == 1, "the modification");
        using (server.HoldWatches())
        {
            server.DisconnectWatches();
            server.Put(Prefix, Cm("b", "1"));
            server.Compact();
        }
        await watch.Run.WaitAsync(Eventually.DefaultDeadline);
        var expired = Assert.IsType<ResourceExpiredException>(watch.Error);
        Assert.Equal("Expired", expired.Reason);
        Assert.Contains("too old resource version", expired.ServerMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_stream_is_abandoned_after_the_idle_timeout_on_the_injected_clock()
    {
        await using var server = await FakeApiServer.StartAsync();
        var time = new FakeTimeProvider();
        using var client = new KubernetesClient(TestClients.Config(server.Url.ToString()), new KubernetesClientOptions { Qps = 0, RequestTimeout = null }, time);
        var cms = client.Dynamic(KnownResources.ConfigMaps);
        await using var watch = new Collector(cms, "w", new WatchOptions { ResourceVersion = "100", IdleTimeout = TimeSpan.FromMinutes(2), ReconnectDelay = TimeSpan.Zero });
        await Eventually.WaitUntil(() => server.ActiveWatches == 1 && time.PendingTimers > 0, "an open watch with its idle timer", () => $"{server.ActiveWatches} watches, {time.PendingTimers} timers");
        time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        Assert.Equal(1, server.WatchRequestCount);
        time.Advance(TimeSpan.FromTicks(1));
        await Eventually.WaitUntil(() => server.WatchRequestCount == 2, "a reconnect after the idle timeout", () => $"{server.WatchRequestCount} watch requests, error {watch.Error}");
        Assert.Contains("resourceVersion=100", server.Requests.Last(), StringComparison.Ordinal);

        // An event re-arms the idle clock: 90 s of silence, an event, 90 s more is no timeout.
        await Eventually.WaitUntil(() => time.NextDue == TimeSpan.FromMinutes(2), "the new stream's idle timer", () => $"{time.NextDue}");
        time.Advance(TimeSpan.FromSeconds(90));
        server.Put(Prefix, Cm("a", "1"));
        await Eventually.WaitUntil(() => watch.Events.Count == 1 && time.NextDue == TimeSpan.FromMinutes(2), "the event and a re-armed idle timer", () => $"{watch.Events.Count} events, next due {time.NextDue}");
        time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(2, server.WatchRequestCount);
        Assert.Null(watch.Error);
    }
}
