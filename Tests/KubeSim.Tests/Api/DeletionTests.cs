using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>Finalizers, deletionTimestamp, owner-reference garbage collection and namespace deletion.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class DeletionTests(KubeSimFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static JsonObject Owned(string name, JsonObject owner, bool block = false)
    {
        var cm = ApiClient.ConfigMap(name);
        cm["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["name"] = owner["metadata"]!["name"]!.GetValue<string>(),
            ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(),
            ["blockOwnerDeletion"] = block,
        });
        return cm;
    }

    private async Task<HttpStatusCode> StatusOfAsync(string path) => (await Http.GetJsonAsync(path)).Status;

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_removed()
    {
        var ns = await fixture.NewNamespaceAsync("finalizers");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var cm = ApiClient.ConfigMap("held");
        cm["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await Http.PostJsonAsync(path, cm);

        var deleting = (await Http.DeleteJsonAsync($"{path}/held")).Expect(HttpStatusCode.OK).Object;
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);
        var stillThere = (await Http.GetJsonAsync($"{path}/held")).Expect(HttpStatusCode.OK).Object;
        Assert.NotNull(stillThere["metadata"]!["deletionTimestamp"]);

        var addFinalizer = await Http.PatchJsonAsync($"{path}/held", JsonNode.Parse("""{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}""")!);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, addFinalizer.Status);

        (await Http.PatchJsonAsync($"{path}/held", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!)).Expect(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync($"{path}/held"));
    }

    [Fact]
    public async Task Delete_answers_a_Success_status_and_honours_preconditions()
    {
        var ns = await fixture.NewNamespaceAsync("precondition");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var created = (await Http.PostJsonAsync(path, ApiClient.ConfigMap("a"))).Object;
        var wrongUid = await Http.DeleteJsonAsync($"{path}/a", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = "nope" } });
        Assert.Equal(HttpStatusCode.Conflict, wrongUid.Status);
        var ok = (await Http.DeleteJsonAsync($"{path}/a", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = created["metadata"]!["uid"]!.GetValue<string>() } })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("Success", ok["status"]!.GetValue<string>());
        Assert.Equal("a", ok["details"]!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteJsonAsync($"{path}/a")).Status);
    }

    [Fact]
    public async Task Background_deletion_collects_dependents_unless_another_owner_remains()
    {
        var ns = await fixture.NewNamespaceAsync("gc-background");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var owner = (await Http.PostJsonAsync(path, ApiClient.ConfigMap("owner"))).Object;
        var other = (await Http.PostJsonAsync(path, ApiClient.ConfigMap("other"))).Object;
        await Http.PostJsonAsync(path, Owned("child", owner));
        var shared = Owned("shared", owner);
        shared["metadata"]!["ownerReferences"]!.AsArray().Add(Owned("x", other)["metadata"]!["ownerReferences"]![0]!.DeepClone());
        await Http.PostJsonAsync(path, shared);

        (await Http.DeleteJsonAsync($"{path}/owner", new JsonObject { ["propagationPolicy"] = "Background" })).Expect(HttpStatusCode.OK);
        await Eventually.UntilAsync(() => StatusOfAsync($"{path}/child"), s => s == HttpStatusCode.NotFound, "the child to be collected");
        var survivor = await Eventually.UntilAsync(async () => (await Http.GetJsonAsync($"{path}/shared")).Object,
            o => o["metadata"]!["ownerReferences"]!.AsArray().Count == 1, "the shared child to lose only the deleted owner");
        Assert.Equal("other", survivor["metadata"]!["ownerReferences"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_and_strips_the_owner_reference()
    {
        var ns = await fixture.NewNamespaceAsync("gc-orphan");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var owner = (await Http.PostJsonAsync(path, ApiClient.ConfigMap("owner"))).Object;
        await Http.PostJsonAsync(path, Owned("child", owner));
        await Http.DeleteJsonAsync($"{path}/owner?propagationPolicy=Orphan");
        await Eventually.UntilAsync(() => StatusOfAsync($"{path}/owner"), s => s == HttpStatusCode.NotFound, "the owner to go once orphaning is done");
        var child = (await Http.GetJsonAsync($"{path}/child")).Expect(HttpStatusCode.OK).Object;
        Assert.Null(child["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public async Task Foreground_deletion_waits_for_blocking_dependents()
    {
        var ns = await fixture.NewNamespaceAsync("gc-foreground");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var owner = (await Http.PostJsonAsync(path, ApiClient.ConfigMap("owner"))).Object;
        var child = Owned("child", owner, block: true);
        child["metadata"]!["finalizers"] = new JsonArray("example.com/slow");
        await Http.PostJsonAsync(path, child);

        var deleting = (await Http.DeleteJsonAsync($"{path}/owner", new JsonObject { ["propagationPolicy"] = "Foreground" })).Expect(HttpStatusCode.OK).Object;
        Assert.Contains("foregroundDeletion", deleting["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        await Eventually.UntilAsync(async () => (await Http.GetJsonAsync($"{path}/child")).Object["metadata"]!["deletionTimestamp"] is not null, d => d,
            "the child to be marked for deletion");
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync($"{path}/owner"));

        await Http.PatchJsonAsync($"{path}/child", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);
        await Eventually.UntilAsync(() => StatusOfAsync($"{path}/owner"), s => s == HttpStatusCode.NotFound, "the owner to go after its blocking dependent");
    }

    [Fact]
    public async Task Deleting_a_namespace_removes_its_contents_then_the_namespace()
    {
        var ns = await fixture.NewNamespaceAsync("ns-delete");
        await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("a"));
        var deleting = (await Http.DeleteJsonAsync($"/api/v1/namespaces/{ns}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("Terminating", deleting["status"]!["phase"]!.GetValue<string>());
        await Eventually.UntilAsync(() => StatusOfAsync($"/api/v1/namespaces/{ns}"), s => s == HttpStatusCode.NotFound, "the namespace to be removed");
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync($"/api/v1/namespaces/{ns}/configmaps/a"));
    }

    [Fact]
    public async Task Deleting_a_CRD_removes_its_resources_from_discovery_and_storage()
    {
        const string group = "doomed.kubesim.io";
        var ns = await fixture.NewNamespaceAsync("crd-delete");
        await TestCrds.InstallAsync(Http, TestCrds.Things(group));
        var crd = (await Http.GetJsonAsync($"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/things.{group}")).Object;
        Assert.Contains(crd["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "Established" && c["status"]!.GetValue<string>() == "True");
        (await Http.PostJsonAsync($"/apis/{group}/v1/namespaces/{ns}/things", TestCrds.Thing(group, "t"))).Expect(HttpStatusCode.Created);

        var resources = (await Http.GetJsonAsync($"/apis/{group}/v1")).Expect(HttpStatusCode.OK).Object["resources"]!.AsArray();
        Assert.Equal(["things", "things/status", "things/scale"], resources.Select(r => r!["name"]!.GetValue<string>()));
        var aggregated = await Http.GetJsonAsync("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
        Assert.StartsWith("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", aggregated.ContentType.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(aggregated.Object["items"]!.AsArray(), g => g!["metadata"]!["name"]?.GetValue<string>() == group);
        var openApi = (await Http.GetJsonAsync("/openapi/v3")).Object;
        var url = openApi["paths"]![$"apis/{group}/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var doc = (await Http.GetJsonAsync(url)).Expect(HttpStatusCode.OK).Object;
        var patch = doc["paths"]![$"/apis/{group}/v1/namespaces/{{namespace}}/things/{{name}}"]!["patch"]!;
        Assert.Equal("Thing", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");

        (await Http.DeleteJsonAsync($"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/things.{group}")).Expect(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync($"/apis/{group}/v1"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync($"/apis/{group}/v1/namespaces/{ns}/things"));
        Assert.Empty(fixture.Server.Store.List($"things.{group}", null).Items);
    }
}
