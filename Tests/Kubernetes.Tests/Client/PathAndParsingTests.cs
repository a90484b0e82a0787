using System.Diagnostics.Metrics;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Tests.Support;

namespace MultigresOrleans.Kubernetes.Tests.Client;

public sealed class PathAndParsingTests
{
    [Theory]
    [InlineData("", "v1", "pods", true, "ns", "p", null, "/api/v1/namespaces/ns/pods/p")]
    [InlineData("", "v1", "pods", true, null, null, null, "/api/v1/pods")]
    [InlineData("", "v1", "namespaces", false, null, "kube-system", null, "/api/v1/namespaces/kube-system")]
    [InlineData("apps", "v1", "statefulsets", true, "ns", "db", "scale", "/apis/apps/v1/namespaces/ns/statefulsets/db/scale")]
    [InlineData("multigres.com", "v1alpha1", "shards", true, "n", "s", "status", "/apis/multigres.com/v1alpha1/namespaces/n/shards/s/status")]
    [InlineData("apiextensions.k8s.io", "v1", "customresourcedefinitions", false, null, "shards.multigres.com", null, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/shards.multigres.com")]
    public void Builds_paths_for_any_group_version_resource(string group, string version, string plural, bool namespaced, string? ns, string? name, string? sub, string expected) =>
        Assert.Equal(expected, new ApiResource(group, version, plural, namespaced).Path(ns, name, sub));

    [Fact]
    public void Rejects_paths_that_would_address_something_else()
    {
        Assert.Throws<ArgumentException>(() => KnownResources.Nodes.Path("ns", "n"));
        Assert.Throws<ArgumentException>(() => KnownResources.Pods.Path("ns", null, "status"));
        Assert.Throws<ArgumentException>(() => KnownResources.Pods.Path("ns", ".."));
        Assert.Throws<ArgumentException>(() => KnownResources.Pods.Path("", "p"));
    }

    [Fact]
    public void Any_name_round_trips_through_its_escaped_path_segment()
    {
        Prop.ForAll<NonEmptyString>(s =>
        {
            var name = s.Get;
            if (name is "." or "..") return true;
            var path = KnownResources.ConfigMaps.Path("ns", name);
            var segments = path.Split('/');
            return segments.Length == 7 && Uri.UnescapeDataString(segments[6]) == name;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Token_bucket_needs_exactly_n_over_qps_of_time_for_n_requests_beyond_the_burst()
    {
        Prop.ForAll(Gen.Choose(1, 200).ToArbitrary(), Gen.Choose(1, 50).ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (qps, burst, beyond) =>
        {
            var time = new FakeTimeProvider();
            var limiter = new TokenBucketRateLimiter(qps, burst, time);
            var waits = Enumerable.Range(0, burst + beyond).Select(_ => limiter.WaitAsync(default).AsTask()).ToList();
            if (waits.Take(burst).Any(w => !w.IsCompleted)) return false;
            if (beyond == 0) return true;
            // The limiter waits in whole milliseconds, rounded up.
            var needed = TimeSpan.FromMilliseconds(Math.Ceiling(beyond * 1000.0 / qps));
            time.Advance(needed - TimeSpan.FromTicks(1));
            var lastStillWaiting = time.PendingTimers == 1;
            time.Advance(TimeSpan.FromTicks(1));
            return lastStillWaiting && time.PendingTimers == 0;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public async Task Watch_lines_parse_to_typed_events_and_error_events_throw()
    {
        var handler = new ScriptedHandler();
        handler.Enqueue(HttpStatusCode.OK, string.Join("\n",
            """{"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"n","resourceVersion":"11"}}}""",
            "",
            """{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"n","resourceVersion":"12"},"status":{"phase":"Running"}}}""",
            """{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"15","annotations":{"k8s.io/initial-events-end":"true"}}}}""",
            """{"type":"DELETED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"n","resourceVersion":"16"}}}""",
            """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"internal error","reason":"InternalError","code":500}}"""));
        using var client = TestClients.Scripted(handler);
        var pods = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod);
        var events = new List<WatchEvent<Pod>>();
        var e = await Assert.ThrowsAsync<InternalErrorException>(async () =>
        {
            await foreach (var ev in pods.WatchOnceAsync("n", new WatchOptions { ResourceVersion = "10", TimeoutSeconds = 60, LabelSelector = "a=b" })) events.Add(ev);
        });
        Assert.Equal("internal error", e.ServerMessage);
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Bookmark, WatchEventType.Deleted], events.Select(x => x.Type));
        Assert.Equal(["11", "12", "15", "16"], events.Select(x => x.ResourceVersion));
        Assert.Equal("Running", events[1].Object!.Status!.Phase);
        var q = Assert.Single(handler.Requests).QueryParameters;
        Assert.Equal(("true", "true", "10", "60", "a=b"), (q["watch"], q["allowWatchBookmarks"], q["resourceVersion"], q["timeoutSeconds"], q["labelSelector"]));
    }

    [Fact]
    public async Task A_watch_refused_with_410_at_open_throws_resource_expired()
    {
        var handler = new ScriptedHandler();
        handler.Enqueue(HttpStatusCode.Gone, ScriptedHandler.StatusJson(410, "Expired", "too old resource version: 1 (500)"));
        using var client = TestClients.Scripted(handler);
        var e = await Assert.ThrowsAsync<ResourceExpiredException>(async () =>
        {
            await foreach (var _ in client.Dynamic(KnownResources.Pods).WatchAsync("n", new WatchOptions { ResourceVersion = "1" })) { }
        });
        Assert.Equal("Expired", e.Reason);
    }

    [Fact]
    public async Task Request_counters_are_published_on_the_meter()
    {
        var seen = new List<(long Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KubernetesClientMetrics.MeterName && instrument.Name == "kubernetes.client.requests") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (seen) seen.Add((value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
        });
        listener.Start();
        var handler = new ScriptedHandler();
        handler.Enqueue(HttpStatusCode.NotFound, ScriptedHandler.StatusJson(404, "NotFound", "x"));
        using var client = TestClients.Scripted(handler);
        await client.Dynamic(KnownResources.Leases).TryGetAsync("l", "n");
        lock (seen) Assert.Contains((1L, "verb=get,resource=leases.coordination.k8s.io,code=404"), seen);
        Assert.Equal(1, client.Metrics.Count("get", "leases.coordination.k8s.io"));
        Assert.Equal(1, client.Metrics.Total);
    }
}
