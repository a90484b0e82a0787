using System.Net;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Tests.Support;

namespace MultigresOrleans.Kubernetes.Tests.Client;

public sealed class RetryAndRateLimitTests
{
    private const string PodJson = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n"}}""";

    private static HttpResponseMessage TooMany(int seconds)
    {
        var r = ScriptedHandler.Json((HttpStatusCode)429, ScriptedHandler.StatusJson(429, "TooManyRequests", "slow down"));
        r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        return r;
    }

    [Fact]
    public async Task Retries_429_after_the_servers_Retry_After_even_for_create()
    {
        var time = new FakeTimeProvider();
        var handler = new ScriptedHandler();
        handler.Enqueue(_ => TooMany(2)).Enqueue(HttpStatusCode.Created, PodJson);
        using var client = TestClients.Scripted(handler, time);
        var create = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod).CreateAsync(new Pod { Metadata = new ObjectMeta { Name = "p", Namespace = "n" } });

        await Eventually.WaitUntil(() => time.PendingTimers > 0 && handler.Requests.Count == 1, "a retry timer after the first 429", () => $"{handler.Requests.Count} requests, {time.PendingTimers} timers");
        Assert.Equal(TimeSpan.FromSeconds(2), time.NextDue);
        time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.Single(handler.Requests);
        time.Advance(TimeSpan.FromTicks(1));
        var pod = await create;
        Assert.Equal("p", pod.Metadata.Name);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(1, client.Metrics.Count("create", "pods", 429));
        Assert.Equal(1, client.Metrics.Count("create", "pods", 201));
        Assert.Equal(1, client.Metrics.Retries);
    }

    [Fact]
    public async Task Retries_are_bounded()
    {
        var time = new FakeTimeProvider();
        var handler = new ScriptedHandler { Fallback = _ => TooMany(1) };
        using var client = TestClients.Scripted(handler, time, new KubernetesClientOptions { Qps = 0, MaxRetries = 3, RetryJitter = 0, RequestTimeout = null });
        var get = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod).GetAsync("p", "n");
        for (var i = 1; i <= 3; i++)
        {
            var expected = i;
            await Eventually.WaitUntil(() => time.PendingTimers > 0 && handler.Requests.Count == expected, $"retry timer #{expected}", () => $"{handler.Requests.Count} requests");
            time.Advance(TimeSpan.FromSeconds(1));
        }
        await Assert.ThrowsAsync<TooManyRequestsException>(() => get);
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task Server_error_without_retry_after_is_retried_with_exponential_backoff_for_reads_only()
    {
        var time = new FakeTimeProvider();
        var handler = new ScriptedHandler();
        var err = ScriptedHandler.StatusJson(503, "ServiceUnavailable", "etcd down");
        handler.Enqueue(HttpStatusCode.ServiceUnavailable, err).Enqueue(HttpStatusCode.ServiceUnavailable, err).Enqueue(HttpStatusCode.OK, PodJson);
        using var client = TestClients.Scripted(handler, time, new KubernetesClientOptions { Qps = 0, RetryJitter = 0, RetryBaseDelay = TimeSpan.FromMilliseconds(100), RequestTimeout = null });
        var pods = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod);
        var get = pods.GetAsync("p", "n");
        await Eventually.WaitUntil(() => time.PendingTimers > 0, "first backoff");
        Assert.Equal(TimeSpan.FromMilliseconds(100), time.NextDue);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await Eventually.WaitUntil(() => time.PendingTimers > 0 && handler.Requests.Count == 2, "second backoff");
        Assert.Equal(TimeSpan.FromMilliseconds(200), time.NextDue);
        time.Advance(TimeSpan.FromMilliseconds(200));
        await get;

        // A create that failed with a 5xx may have been applied: it is not repeated.
        handler.Enqueue(HttpStatusCode.ServiceUnavailable, err);
        await Assert.ThrowsAsync<ServiceUnavailableException>(() => pods.CreateAsync(new Pod { Metadata = new ObjectMeta { Name = "p", Namespace = "n" } }));
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task Connection_refused_is_retried_for_any_verb()
    {
        // Bind a port and close it so nothing listens there.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var time = new FakeTimeProvider();
        using var client = new KubernetesClient(TestClients.Config($"http://127.0.0.1:{port}"), new KubernetesClientOptions { Qps = 0, MaxRetries = 2, RetryJitter = 0, RequestTimeout = null }, time);
        var create = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap).CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "c", Namespace = "n" } });
        for (var i = 0; i < 2; i++)
        {
            var expected = i + 1;
            await Eventually.WaitUntil(() => time.PendingTimers > 0 && client.Metrics.Count("create", "configmaps", 0) == expected,
                $"backoff timer after failed attempt #{expected}", () => $"{client.Metrics.Count("create", "configmaps", 0)} failed attempts, {time.PendingTimers} timers");
            time.Advance(TimeSpan.FromSeconds(10));
        }
        await Assert.ThrowsAsync<HttpRequestException>(() => create.WaitAsync(Eventually.DefaultDeadline));
        Assert.Equal(3, client.Metrics.Count("create", "configmaps", 0));
    }

    [Fact]
    public async Task Request_timeout_fires_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        using var client = new KubernetesClient(TestClients.Config(), new KubernetesClientOptions { Qps = 0, RequestTimeout = TimeSpan.FromSeconds(5) }, time,
            handler: new HangingHandler());
        var get = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod).GetAsync("p", "n");
        await Eventually.WaitUntil(() => time.PendingTimers > 0, "the timeout timer");
        time.Advance(TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<KubernetesRequestTimeoutException>(() => get);
        Assert.Equal(TimeSpan.FromSeconds(5), e.Timeout);
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // Never answers: only the client's own timeout (cancellation) ends the request.
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    [Fact]
    public async Task Rate_limiter_holds_the_configured_qps_beyond_the_burst()
    {
        const int qps = 10, burst = 5, beyond = 20;
        var time = new FakeTimeProvider();
        var handler = new ScriptedHandler { Fallback = _ => ScriptedHandler.Json(HttpStatusCode.OK, PodJson) };
        using var client = new KubernetesClient(TestClients.Config(), new KubernetesClientOptions { Qps = qps, Burst = burst, RequestTimeout = null }, time, handler: handler);
        var pods = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod);
        var calls = Enumerable.Range(0, burst + beyond).Select(_ => pods.GetAsync("p", "n")).ToArray();
        int Done() => calls.Count(c => c.IsCompleted);

        await Eventually.WaitUntil(() => Done() == burst, $"the burst of {burst} to go at once", () => $"{Done()} done");
        // One more request per 1/qps of fake time, never earlier.
        for (var step = 1; step <= beyond; step++)
        {
            time.Advance(TimeSpan.FromSeconds(1.0 / qps) - TimeSpan.FromTicks(1));
            Assert.Equal(burst + step - 1, Done());
            time.Advance(TimeSpan.FromTicks(1));
            var expected = burst + step;
            await Eventually.WaitUntil(() => Done() == expected, $"{expected} done after {step}/{qps}s", () => $"{Done()} done");
        }
        Assert.Equal(burst + beyond, handler.Requests.Count);
        Assert.Equal(TimeSpan.FromSeconds((double)beyond / qps), TimeSpan.FromTicks(time.GetTimestamp()));
    }

    [Fact]
    public async Task Rate_limiting_can_be_turned_off()
    {
        var time = new FakeTimeProvider();
        var handler = new ScriptedHandler { Fallback = _ => ScriptedHandler.Json(HttpStatusCode.OK, PodJson) };
        using var client = new KubernetesClient(TestClients.Config(), new KubernetesClientOptions { Qps = 0 }, time, handler: handler);
        var pods = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod);
        await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => pods.GetAsync("p", "n")));
        Assert.Equal(500, client.Metrics.Count("get", "pods", 200));
    }

    [Fact]
    public async Task Token_bucket_refills_while_idle_but_not_beyond_burst()
    {
        var time = new FakeTimeProvider();
        var limiter = new TokenBucketRateLimiter(2, 3, time);
        for (var i = 0; i < 3; i++) Assert.True(limiter.WaitAsync(default).IsCompleted);
        time.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 3; i++) Assert.True(limiter.WaitAsync(default).IsCompleted);
        var fourth = limiter.WaitAsync(default).AsTask();
        Assert.False(fourth.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(500));
        await fourth;
    }
}
