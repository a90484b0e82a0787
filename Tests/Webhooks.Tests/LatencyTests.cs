using System.Net;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// The request sequence the latency benchmark (<c>make bench</c>, <c>Tools/Bench</c>) times, checked for
/// correctness only — no time assertion: many MultigresCluster CREATE admissions (mutate then validate)
/// on one HTTP/2 connection all succeed, each mutation returns the same patch, and the validation of
/// the mutated object allows it.
/// </summary>
[Collection(WebhookCollection.Name)]
public sealed class LatencyTests(WebhookFixture fixture)
{
    [Fact]
    public async Task Repeated_cluster_create_admissions_on_one_connection_all_succeed_with_the_same_patch()
    {
        var ns = fixture.NewNamespace("latency");
        var mutate = System.Text.Encoding.UTF8.GetBytes(Review("CREATE", MinimalCluster(ns)).ToJsonString());
        string? firstPatch = null;
        for (var i = 0; i < 50; i++)
        {
            var (status, body, version) = await fixture.PostAsync(WebhookEndpoints.MutatePath, mutate);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(HttpVersion.Version20, version);
            Assert.True(body!["response"]!["allowed"]!.GetValue<bool>());
            var patch = body["response"]!["patch"]!.GetValue<string>();
            firstPatch ??= patch;
            Assert.Equal(firstPatch, patch);

            var mutated = KubeSim.Patching.JsonPatch.Apply(MinimalCluster(ns), System.Text.Json.Nodes.JsonNode.Parse(Convert.FromBase64String(patch)))!.AsObject();
            var (validated, verdict, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-multigrescluster", Review("CREATE", mutated));
            Assert.Equal(HttpStatusCode.OK, validated);
            Assert.True(verdict!["response"]!["allowed"]!.GetValue<bool>(), verdict.ToJsonString());
        }
    }
}
