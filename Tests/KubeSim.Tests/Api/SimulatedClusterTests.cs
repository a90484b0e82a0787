using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>The simulated kubelet and controllers, driven by the manual clock.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class SimulatedClusterTests(KubeSimFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static JsonObject Pod(string name, JsonObject? annotations = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = annotations ?? new JsonObject() },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "postgres:17" }) },
    };

    private async Task<JsonObject> WaitAsync(string path, Func<JsonObject, bool> done, string expected) =>
        await Eventually.UntilAsync(async () => (await Http.GetJsonAsync(path)).Object, done, expected);

    private static bool HasCondition(JsonObject o, string type, string status) =>
        (o["status"]?["conditions"] as JsonArray ?? []).Any(c => c?["type"]?.GetValue<string>() == type && c["status"]?.GetValue<string>() == status);

    [Fact]
    public async Task Pods_are_scheduled_then_become_ready_after_the_startup_delay()
    {
        var ns = await fixture.NewNamespaceAsync("pods");
        var path = $"/api/v1/namespaces/{ns}/pods";
        (await Http.PostJsonAsync(path, Pod("p1"))).Expect(HttpStatusCode.Created);
        var scheduled = await WaitAsync($"{path}/p1", p => p["status"]?["podIP"] is not null, "the pod to be scheduled with an IP");
        Assert.StartsWith("kubesim-node-", scheduled["spec"]!["nodeName"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Pending", scheduled["status"]!["phase"]!.GetValue<string>());

        // Advance the clock until the kubelet's timer (armed asynchronously) has fired.
        var running = await Eventually.UntilAsync(async () =>
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(5));
            return (await Http.GetJsonAsync($"{path}/p1")).Object;
        }, p => HasCondition(p, "Ready", "True"), "the pod to become Ready");
        Assert.Equal("Running", running["status"]!["phase"]!.GetValue<string>());
        Assert.True(running["status"]!["containerStatuses"]![0]!["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Pod_knobs_make_pods_unready_or_failed()
    {
        var ns = await fixture.NewNamespaceAsync("pod-knobs");
        var path = $"/api/v1/namespaces/{ns}/pods";
        await Http.PostJsonAsync(path, Pod("unready", new JsonObject { ["kubesim.io/unready"] = "true" }));
        await Http.PostJsonAsync(path, Pod("failing", new JsonObject { ["kubesim.io/fail"] = "true" }));
        var unready = await Eventually.UntilAsync(async () =>
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(5));
            return (await Http.GetJsonAsync($"{path}/unready")).Object;
        }, p => p["status"]?["phase"]?.GetValue<string>() == "Running", "the unready pod to run");
        Assert.True(HasCondition(unready, "Ready", "False"));
        await Eventually.UntilAsync(async () =>
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(5));
            return (await Http.GetJsonAsync($"{path}/failing")).Object;
        }, p => p["status"]?["phase"]?.GetValue<string>() == "Failed", "the failing pod to fail");

        await Http.PatchJsonAsync($"{path}/unready", JsonNode.Parse("""{"metadata":{"annotations":{"kubesim.io/unready":null}}}""")!);
        await WaitAsync($"{path}/unready", p => HasCondition(p, "Ready", "True"), "the pod to turn Ready once the knob is removed");
    }

    [Fact]
    public async Task StatefulSets_create_pods_and_claims_and_report_counts_and_PDBs_report_status()
    {
        var ns = await fixture.NewNamespaceAsync("sts");
        var sts = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},
             "spec":{"replicas":3,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
               "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"pg","image":"postgres:17"}]}},
               "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}
            """)!;
        (await Http.PostJsonAsync($"/apis/apps/v1/namespaces/{ns}/statefulsets", sts)).Expect(HttpStatusCode.Created);
        var pdb = JsonNode.Parse("""
            {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"db"},"spec":{"maxUnavailable":1,"selector":{"matchLabels":{"app":"db"}}}}
            """)!;
        (await Http.PostJsonAsync($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets", pdb)).Expect(HttpStatusCode.Created);

        var status = await Eventually.UntilAsync(async () =>
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(5));
            return (await Http.GetJsonAsync($"/apis/apps/v1/namespaces/{ns}/statefulsets/db")).Object;
        }, s => JsonNumbersOf(s["status"]?["readyReplicas"]) == 3, "three ready replicas");
        Assert.Equal(3, status["status"]!["replicas"]!.GetValue<long>());
        Assert.Equal(1, status["status"]!["observedGeneration"]!.GetValue<long>());

        var pods = (await Http.GetJsonAsync($"/api/v1/namespaces/{ns}/pods?labelSelector=app%3Ddb")).Object["items"]!.AsArray();
        Assert.Equal(["db-0", "db-1", "db-2"], pods.Select(p => p!["metadata"]!["name"]!.GetValue<string>()));
        var claim = await WaitAsync($"/api/v1/namespaces/{ns}/persistentvolumeclaims/data-db-1", c => c["status"]?["phase"]?.GetValue<string>() == "Bound", "the claim to bind");
        Assert.Equal("1Gi", claim["status"]!["capacity"]!["storage"]!.GetValue<string>());

        var budget = await WaitAsync($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/db",
            b => JsonNumbersOf(b["status"]?["currentHealthy"]) == 3, "the PDB to see three healthy pods");
        Assert.Equal(1, budget["status"]!["disruptionsAllowed"]!.GetValue<long>());

        // Scale down through the scale subresource: the highest ordinal goes, claims stay.
        await Http.PatchJsonAsync($"/apis/apps/v1/namespaces/{ns}/statefulsets/db/scale", JsonNode.Parse("""{"spec":{"replicas":2}}""")!);
        await WaitAsync($"/apis/apps/v1/namespaces/{ns}/statefulsets/db", s => JsonNumbersOf(s["status"]?["replicas"]) == 2, "two replicas after scale-down");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetJsonAsync($"/api/v1/namespaces/{ns}/pods/db-2")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetJsonAsync($"/api/v1/namespaces/{ns}/persistentvolumeclaims/data-db-2")).Status);

        // Expanding a claim reports the new capacity.
        await Http.PatchJsonAsync($"/api/v1/namespaces/{ns}/persistentvolumeclaims/data-db-0", JsonNode.Parse("""{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}""")!);
        await WaitAsync($"/api/v1/namespaces/{ns}/persistentvolumeclaims/data-db-0", c => c["status"]?["capacity"]?["storage"]?.GetValue<string>() == "2Gi", "the expanded capacity");
    }

    [Fact]
    public async Task Deployments_report_available_replicas_and_services_get_a_cluster_IP()
    {
        var ns = await fixture.NewNamespaceAsync("deploy");
        var deployment = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"gw"},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"gw"}},
               "template":{"metadata":{"labels":{"app":"gw"}},"spec":{"containers":[{"name":"gw","image":"multigateway"}]}}}}
            """)!;
        (await Http.PostJsonAsync($"/apis/apps/v1/namespaces/{ns}/deployments", deployment)).Expect(HttpStatusCode.Created);
        var status = await Eventually.UntilAsync(async () =>
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(5));
            return (await Http.GetJsonAsync($"/apis/apps/v1/namespaces/{ns}/deployments/gw")).Object;
        }, d => JsonNumbersOf(d["status"]?["availableReplicas"]) == 2, "two available replicas");
        Assert.True(HasCondition(status, "Available", "True"));

        var service = JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"gw"},"spec":{"selector":{"app":"gw"},"ports":[{"port":5432}]}}""")!;
        var created = (await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/services", service)).Expect(HttpStatusCode.Created).Object;
        Assert.StartsWith("10.96.", created["spec"]!["clusterIP"]!.GetValue<string>(), StringComparison.Ordinal);

        // Deleting the deployment collects its pods (owner references, background propagation).
        await Http.DeleteJsonAsync($"/apis/apps/v1/namespaces/{ns}/deployments/gw");
        await Eventually.UntilAsync(async () => (await Http.GetJsonAsync($"/api/v1/namespaces/{ns}/pods")).Object["items"]!.AsArray().Count, n => n == 0, "the pods to be collected");
    }

    private static long JsonNumbersOf(JsonNode? node) => KubeSim.Storage.JsonNumbers.LongOr(node, -1);
}
