using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Tests.Support;

namespace MultigresOrleans.Kubernetes.Tests.Client;

/// <summary>Each verb's exact wire form: method, path, query, content type and body.</summary>
public sealed class VerbRequestShapeTests
{
    private const string PodJson = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","namespace":"ns1","resourceVersion":"7","uid":"u1"},"spec":{"containers":[{"name":"c","image":"img"}],"futureField":{"x":1}},"newTopLevel":true}""";

    private static (KubernetesClient, ScriptedHandler, ResourceClient<Pod>) Setup()
    {
        var handler = new ScriptedHandler();
        var client = TestClients.Scripted(handler);
        return (client, handler, client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod));
    }

    private static RecordedRequest Single(ScriptedHandler handler) => Assert.Single(handler.Requests);

    [Fact]
    public async Task Get_sends_GET_to_the_object_path_with_bearer_token()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, PodJson);
        var pod = await pods.GetAsync("p1", "ns1");
        var r = Single(handler);
        Assert.Equal(("GET", "/api/v1/namespaces/ns1/pods/p1", "Bearer t0ken"), (r.Method, r.PathAndQuery, r.Authorization));
        Assert.Equal("img", pod.Spec!.Containers[0].Image);
    }

    [Fact]
    public async Task Unknown_fields_survive_a_read_modify_write()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, PodJson).Enqueue(HttpStatusCode.OK, PodJson);
        var pod = await pods.GetAsync("p1", "ns1");
        pod.Metadata.Labels = new() { ["a"] = "b" };
        await pods.UpdateAsync(pod);
        var put = handler.Requests.Last();
        var body = JsonNode.Parse(put.Body!)!;
        Assert.Equal(1, (int)body["spec"]!["futureField"]!["x"]!);
        Assert.True((bool)body["newTopLevel"]!);
        Assert.Equal("7", (string?)body["metadata"]!["resourceVersion"]);
        Assert.Equal(("PUT", "/api/v1/namespaces/ns1/pods/p1", "application/json"), (put.Method, put.PathAndQuery, put.ContentType));
    }

    [Fact]
    public async Task List_sends_selectors_pagination_and_resource_version()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, $$"""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"tok2","remainingItemCount":3},"items":[{{PodJson}}]}""");
        var page = await pods.ListAsync("ns1", new ListOptions
        {
            LabelSelector = "app=db,tier!=x",
            FieldSelector = "metadata.name=p1",
            Limit = 1,
            Continue = "tok1",
            ResourceVersion = "0",
        });
        var r = Single(handler);
        Assert.Equal("/api/v1/namespaces/ns1/pods", r.Path);
        var q = r.QueryParameters;
        Assert.Equal("app=db,tier!=x", q["labelSelector"]);
        Assert.Equal("metadata.name=p1", q["fieldSelector"]);
        Assert.Equal("1", q["limit"]);
        Assert.Equal("tok1", q["continue"]);
        Assert.Equal("0", q["resourceVersion"]);
        Assert.Equal(("42", "tok2", 3L), (page.ResourceVersion, page.Continue, page.RemainingItemCount!.Value));
        Assert.Equal("p1", Assert.Single(page.Items).Metadata.Name);
    }

    [Fact]
    public async Task ListAll_follows_continue_tokens_without_resource_version()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, $$"""{"metadata":{"resourceVersion":"5","continue":"c1"},"items":[{{PodJson}}]}""")
               .Enqueue(HttpStatusCode.OK, $$"""{"metadata":{"resourceVersion":"5"},"items":[{{PodJson}}]}""");
        var all = new List<Pod>();
        await foreach (var p in pods.ListAllAsync(null, new ListOptions { Limit = 1, ResourceVersion = "0" })) all.Add(p);
        Assert.Equal(2, all.Count);
        var second = handler.Requests.Last();
        Assert.Equal("/api/v1/pods", second.Path);
        Assert.Equal("c1", second.QueryParameters["continue"]);
        Assert.False(second.QueryParameters.ContainsKey("resourceVersion"));
    }

    [Fact]
    public async Task Create_posts_to_the_collection_with_dry_run_and_field_manager()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.Created, PodJson);
        var pod = new Pod { Metadata = new ObjectMeta { Name = "p1", Namespace = "ns1" }, Spec = new PodSpec { Containers = [new Container { Name = "c", Image = "img" }] } };
        await pods.CreateAsync(pod, new WriteOptions { DryRun = true, FieldManager = "op" });
        var r = Single(handler);
        Assert.Equal(("POST", "/api/v1/namespaces/ns1/pods", "application/json"), (r.Method, r.Path, r.ContentType));
        Assert.Equal("All", r.QueryParameters["dryRun"]);
        Assert.Equal("op", r.QueryParameters["fieldManager"]);
        var body = JsonNode.Parse(r.Body!)!;
        Assert.Equal("Pod", (string?)body["kind"]);
        Assert.Null(body["status"]);
    }

    [Fact]
    public async Task Namespaced_object_without_namespace_goes_to_the_configured_default()
    {
        var handler = new ScriptedHandler();
        using var client = new KubernetesClient(TestClients.Config() with { Namespace = "team-a" }, new KubernetesClientOptions { Qps = 0 }, handler: handler);
        handler.Enqueue(HttpStatusCode.Created, PodJson);
        await client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap)
            .CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "c" } });
        Assert.Equal("/api/v1/namespaces/team-a/configmaps", Single(handler).Path);
    }

    [Fact]
    public async Task Update_status_puts_to_the_status_subresource()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, PodJson);
        await pods.UpdateStatusAsync(new Pod { Metadata = new ObjectMeta { Name = "p1", Namespace = "ns1", ResourceVersion = "7" }, Status = new PodStatus { Phase = "Running" } });
        var r = Single(handler);
        Assert.Equal(("PUT", "/api/v1/namespaces/ns1/pods/p1/status"), (r.Method, r.PathAndQuery));
        Assert.Equal("Running", (string?)JsonNode.Parse(r.Body!)!["status"]!["phase"]);
    }

    [Fact]
    public async Task Delete_sends_delete_options_body_and_returns_null_for_a_status()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"p1","kind":"pods","uid":"u1"}}""");
        var result = await pods.DeleteAsync("p1", "ns1", new DeleteOptions
        {
            PropagationPolicy = PropagationPolicy.Foreground,
            GracePeriodSeconds = 0,
            Preconditions = new Preconditions { Uid = "u1", ResourceVersion = "7" },
            DryRun = true,
        });
        Assert.Null(result);
        var r = Single(handler);
        Assert.Equal(("DELETE", "/api/v1/namespaces/ns1/pods/p1", "application/json"), (r.Method, r.Path, r.ContentType));
        Assert.Equal("All", r.QueryParameters["dryRun"]);
        var body = JsonNode.Parse(r.Body!)!;
        Assert.Equal("DeleteOptions", (string?)body["kind"]);
        Assert.Equal("Foreground", (string?)body["propagationPolicy"]);
        Assert.Equal(0, (long)body["gracePeriodSeconds"]!);
        Assert.Equal("u1", (string?)body["preconditions"]!["uid"]);
        Assert.Equal("7", (string?)body["preconditions"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Delete_returns_the_object_while_finalizers_hold_it()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","namespace":"ns1","deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["x"]}}""");
        var result = await pods.DeleteAsync("p1", "ns1");
        Assert.NotNull(result!.Metadata.DeletionTimestamp);
        Assert.Null(Single(handler).Body);
    }

    [Theory]
    [InlineData(PatchType.Merge, "application/merge-patch+json")]
    [InlineData(PatchType.Json, "application/json-patch+json")]
    [InlineData(PatchType.StrategicMerge, "application/strategic-merge-patch+json")]
    public async Task Patch_sends_the_content_type_of_its_kind(PatchType type, string contentType)
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, PodJson);
        JsonNode patch = type == PatchType.Json
            ? JsonNode.Parse("""[{"op":"replace","path":"/metadata/labels/a","value":"b"}]""")!
            : JsonNode.Parse("""{"metadata":{"labels":{"a":"b"}}}""")!;
        await pods.PatchAsync("p1", "ns1", type, patch, new WriteOptions { FieldManager = "m" });
        var r = Single(handler);
        Assert.Equal(("PATCH", "/api/v1/namespaces/ns1/pods/p1", contentType), (r.Method, r.Path, r.ContentType));
        Assert.Equal("m", r.QueryParameters["fieldManager"]);
        Assert.Equal(patch.ToJsonString(), r.Body);
    }

    [Fact]
    public async Task Patch_of_status_subresource_targets_it()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, PodJson);
        await pods.PatchAsync("p1", "ns1", PatchType.Merge, JsonNode.Parse("""{"status":{"phase":"Failed"}}""")!, subresource: "status");
        Assert.Equal("/api/v1/namespaces/ns1/pods/p1/status", Single(handler).PathAndQuery);
    }

    [Fact]
    public async Task Apply_sends_apply_patch_yaml_with_field_manager_and_force_and_omits_nulls()
    {
        var (client, handler, pods) = Setup();
        using var _ = client;
        handler.Enqueue(HttpStatusCode.OK, PodJson);
        var pod = new Pod { Metadata = new ObjectMeta { Name = "p1", Namespace = "ns1" }, Spec = new PodSpec { Containers = [new Container { Name = "c", Image = "img" }] } };
        await pods.ApplyAsync(pod, new ApplyOptions("multigres-operator") { Force = true, DryRun = true });
        var r = Single(handler);
        Assert.Equal(("PATCH", "/api/v1/namespaces/ns1/pods/p1", "application/apply-patch+yaml"), (r.Method, r.Path, r.ContentType));
        Assert.Equal("multigres-operator", r.QueryParameters["fieldManager"]);
        Assert.Equal("true", r.QueryParameters["force"]);
        Assert.Equal("All", r.QueryParameters["dryRun"]);
        Assert.DoesNotContain("null", r.Body!, StringComparison.Ordinal);
        var body = JsonNode.Parse(r.Body!)!;
        Assert.Equal(("v1", "Pod"), ((string?)body["apiVersion"], (string?)body["kind"]));
    }

    [Fact]
    public async Task Apply_status_and_untyped_apply_configuration_target_the_right_paths()
    {
        var handler = new ScriptedHandler { Fallback = _ => ScriptedHandler.Json(HttpStatusCode.OK, """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"}}""") };
        using var client = TestClients.Scripted(handler);
        var widgets = client.Dynamic(new ApiResource("example.com", "v1", "widgets", true, "Widget"));
        var config = new JsonObject { ["apiVersion"] = "example.com/v1", ["kind"] = "Widget", ["metadata"] = new JsonObject { ["name"] = "w", ["namespace"] = "n" }, ["status"] = new JsonObject { ["ready"] = true } };
        await widgets.ApplyStatusAsync(config, new ApplyOptions("op"));
        await widgets.ApplyAsync("w", "n", new JsonObject { ["apiVersion"] = "example.com/v1", ["kind"] = "Widget", ["spec"] = new JsonObject { ["size"] = 3 } }, new ApplyOptions("op"));
        var reqs = handler.Requests.ToArray();
        Assert.Equal("/apis/example.com/v1/namespaces/n/widgets/w/status", reqs[0].Path);
        Assert.Equal("/apis/example.com/v1/namespaces/n/widgets/w", reqs[1].Path);
        Assert.All(reqs, r => Assert.Equal("application/apply-patch+yaml", r.ContentType));
    }

    [Fact]
    public async Task Scale_subresource_get_and_update()
    {
        var handler = new ScriptedHandler();
        using var client = TestClients.Scripted(handler);
        var sts = client.Resource(KnownResources.StatefulSets, KubernetesJsonContext.Default.StatefulSet);
        const string scaleJson = """{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"db","namespace":"ns1","resourceVersion":"9"},"spec":{"replicas":3},"status":{"replicas":3,"selector":"app=db"}}""";
        handler.Enqueue(HttpStatusCode.OK, scaleJson).Enqueue(HttpStatusCode.OK, scaleJson.Replace("\"replicas\":3},\"status", "\"replicas\":5},\"status", StringComparison.Ordinal));
        var scale = await sts.GetScaleAsync("db", "ns1");
        Assert.Equal((3, "app=db"), (scale.Spec.Replicas!.Value, scale.Status!.Selector));
        scale.Spec.Replicas = 5;
        var updated = await sts.UpdateScaleAsync(scale);
        Assert.Equal(5, updated.Spec.Replicas);
        var reqs = handler.Requests.ToArray();
        Assert.Equal(("GET", "/apis/apps/v1/namespaces/ns1/statefulsets/db/scale"), (reqs[0].Method, reqs[0].PathAndQuery));
        Assert.Equal(("PUT", "/apis/apps/v1/namespaces/ns1/statefulsets/db/scale"), (reqs[1].Method, reqs[1].PathAndQuery));
        Assert.Equal("9", (string?)JsonNode.Parse(reqs[1].Body!)!["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Cluster_scoped_resources_have_no_namespace_segment()
    {
        var handler = new ScriptedHandler { Fallback = _ => ScriptedHandler.Json(HttpStatusCode.OK, """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}""") };
        using var client = TestClients.Scripted(handler);
        var nss = client.Resource(KnownResources.Namespaces, KubernetesJsonContext.Default.Namespace);
        await nss.GetAsync("x");
        await nss.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "x" } });
        Assert.Equal(["/api/v1/namespaces/x", "/api/v1/namespaces"], handler.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Delete_collection_sends_selectors()
    {
        var handler = new ScriptedHandler();
        using var client = TestClients.Scripted(handler);
        handler.Enqueue(HttpStatusCode.OK, """{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}""");
        await client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod)
            .DeleteCollectionAsync("ns1", new ListOptions { LabelSelector = "app=x" }, new DeleteOptions { PropagationPolicy = PropagationPolicy.Background });
        var r = Single(handler);
        Assert.Equal(("DELETE", "/api/v1/namespaces/ns1/pods"), (r.Method, r.Path));
        Assert.Equal("app=x", r.QueryParameters["labelSelector"]);
        Assert.Equal("Background", (string?)JsonNode.Parse(r.Body!)!["propagationPolicy"]);
    }

    [Fact]
    public async Task Dynamic_client_round_trips_json_objects()
    {
        var handler = new ScriptedHandler();
        using var client = TestClients.Scripted(handler);
        handler.Enqueue(HttpStatusCode.OK, """{"apiVersion":"multigres.com/v1alpha1","kind":"Cell","metadata":{"name":"z1","namespace":"n"},"spec":{"anything":[1,2]}}""");
        var cells = client.Dynamic(new ApiResource("multigres.com", "v1alpha1", "cells", true, "Cell"));
        var cell = await cells.GetAsync("z1", "n");
        Assert.Equal(2, cell["spec"]!["anything"]!.AsArray().Count);
        Assert.Equal("/apis/multigres.com/v1alpha1/namespaces/n/cells/z1", Single(handler).Path);
    }

    [Fact]
    public void Micro_time_fields_keep_six_fractional_digits()
    {
        var lease = new Lease { Metadata = new ObjectMeta { Name = "l" }, Spec = new LeaseSpec { RenewTime = new DateTimeOffset(2026, 8, 21, 2, 0, 0, 123, TimeSpan.Zero), HolderIdentity = "a" } };
        var json = JsonSerializer.Serialize(lease, KubernetesJsonContext.Default.Lease);
        Assert.Contains("\"renewTime\":\"2026-08-21T02:00:00.123000Z\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.Lease)!;
        Assert.Equal(lease.Spec.RenewTime, back.Spec!.RenewTime);
    }
}
