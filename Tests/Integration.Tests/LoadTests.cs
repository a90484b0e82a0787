using System.Net;
using System.Net.Http.Headers;
using MultigresOrleans.KubeSim.Observability;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Integration.Tests;

/// <summary>
/// Behaviour under load against KubeSim: retry on 429 honouring Retry-After (KubeSim's fault
/// injection answers the 429s), and the client-side rate limiter holding its QPS as counted by
/// KubeSim's request counters. Both run the client on a fake clock, so no test waits in real time.
/// </summary>
[Collection(KubeSimCollection.Name)]
public sealed class LoadTests(KubeSimFixture fx) : IDisposable
{
    public void Dispose() => fx.Server.Faults.Clear();

    [Fact]
    public async Task KubeSim_answers_an_injected_429_with_Retry_After_like_the_real_server()
    {
        var (user, token) = fx.NewUser("raw429");
        fx.Server.Faults.Add(new FaultRule { Verb = "list", Resource = "configmaps", ErrorRate = 1, StatusCode = 429 });
        using var http = new HttpClient { BaseAddress = fx.Server.HttpUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.GetAsync("/api/v1/namespaces/default/configmaps");
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Contains("\"retryAfterSeconds\":1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, fx.Server.Counters.Count(verb: "list", user: user, status: 429));
    }

    [Fact]
    public async Task A_429_is_retried_after_the_servers_Retry_After_not_the_backoff()
    {
        var ns = await fx.NewNamespaceAsync("retry");
        await fx.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap).CreateAsync(KubeSimFixture.ConfigMap("r", ns));
        var (user, token) = fx.NewUser("retry");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // A backoff of an hour would show at once if Retry-After were ignored.
        using var client = fx.NewClient(token: token, time: time, options: new KubernetesClientOptions
        {
            Qps = 0, RequestTimeout = null, RetryBaseDelay = TimeSpan.FromHours(1), RetryJitter = 0,
        });
        var configMaps = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);

        fx.Server.Faults.Add(new FaultRule { Verb = "get", Resource = "configmaps", ErrorRate = 1, StatusCode = 429 });
        var get = configMaps.GetAsync("r", ns);
        await Eventually.WaitUntil(() => time.NextDue == TimeSpan.FromSeconds(1), "a retry armed for the server's Retry-After of 1 s",
            () => $"next timer due in {time.NextDue}; KubeSim saw {fx.Server.Counters.Count(verb: "get", user: user, status: 429)} 429s");
        Assert.False(get.IsCompleted);
        Assert.Equal(1, fx.Server.Counters.Count(verb: "get", user: user, status: 429));

        fx.Server.Faults.Clear();
        time.Advance(TimeSpan.FromSeconds(1));
        var cm = await get.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("r", cm.Metadata.Name);
        Assert.Equal(1, fx.Server.Counters.Count(verb: "get", user: user, status: 200));
        Assert.Equal(1, client.Metrics.Retries);
        Assert.Equal(1, client.Metrics.Count("get", "configmaps", 429));

        // With no retries left, the 429 surfaces typed, with the server's Retry-After.
        using var impatient = fx.NewClient(token: token, options: new KubernetesClientOptions { Qps = 0, MaxRetries = 0 });
        fx.Server.Faults.Add(new FaultRule { Verb = "get", Resource = "configmaps", ErrorRate = 1, StatusCode = 429 });
        var e = await Assert.ThrowsAsync<TooManyRequestsException>(() =>
            impatient.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap).GetAsync("r", ns));
        Assert.Equal(TimeSpan.FromSeconds(1), e.RetryAfter);
        Assert.Contains("injected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rate_limiter_holds_the_configured_qps_as_counted_by_KubeSim()
    {
        const int burst = 5;
        const double qps = 10;
        const int requests = 25;
        var ns = await fx.NewNamespaceAsync("qps");
        await fx.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap).CreateAsync(KubeSimFixture.ConfigMap("q", ns));
        var (user, token) = fx.NewUser("qps");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = fx.NewClient(token: token, time: time, options: new KubernetesClientOptions { Qps = qps, Burst = burst, RequestTimeout = null });
        var configMaps = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        long Received() => fx.Server.Counters.Count(verb: "get", user: user);

        var all = Enumerable.Range(0, requests).Select(_ => configMaps.GetAsync("q", ns)).ToArray();
        // The burst goes at once; the other 20 wait on the limiter's timers.
        await Eventually.WaitUntil(() => Received() == burst && time.PendingTimers == requests - burst,
            $"{burst} requests sent and {requests - burst} waiting", () => $"received {Received()}, waiting {time.PendingTimers}");

        // Each tenth of a (fake) second releases exactly one more: 10 per second.
        for (var step = 1; step <= requests - burst; step++)
        {
            time.Advance(TimeSpan.FromSeconds(1 / qps));
            var expected = burst + step;
            await Eventually.WaitUntil(() => Received() >= expected, $"{expected} requests after {step * 100} ms",
                () => $"received {Received()}");
            Assert.Equal(expected, Received());
        }
        await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(requests, fx.Server.Counters.Count(verb: "get", user: user, status: 200));
        Assert.True(client.Metrics.RateLimiterWait > TimeSpan.Zero);
    }
}
