using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>Admission latency of a MultigresCluster CREATE (mutate then validate), measured client-side, reported in the test output.</summary>
[Collection(WebhookCollection.Name)]
public sealed class LatencyTests(WebhookFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_cluster_create_is_admitted_in_milliseconds()
    {
        var ns = fixture.NewNamespace("latency");
        var mutate = System.Text.Encoding.UTF8.GetBytes(Review("CREATE", MinimalCluster(ns)).ToJsonString());
        for (var i = 0; i < 20; i++)
            await fixture.PostAsync(WebhookEndpoints.MutatePath, mutate);

        var samples = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var (m, _, _) = await fixture.PostAsync(WebhookEndpoints.MutatePath, mutate);
            var (v, _, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-multigrescluster", mutate);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Assert.Equal(HttpStatusCode.OK, m);
            Assert.Equal(HttpStatusCode.OK, v);
        }
        samples.Sort();
        var p50 = samples[samples.Count / 2];
        var p99 = samples[(int)(samples.Count * 0.99)];
        output.WriteLine($"direct admission (mutate + validate) of a MultigresCluster CREATE: p50 {p50:F2} ms, p99 {p99:F2} ms over {samples.Count}");
        Assert.True(p50 < 100, $"p50 {p50:F2} ms");
    }
}
