using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>REST semantics clients depend on: versions, errors, generation, subresources, selectors, paging, dry run.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class ApiSemanticsTests(KubeSimFixture fixture)
{
    private const string Group = "semantics.kubesim.io";
    private HttpClient Http => fixture.Http;

    private async Task<string> SetUpAsync(string prefix)
    {
        await TestCrds.InstallAsync(Http, TestCrds.Things(Group));
        return await fixture.NewNamespaceAsync(prefix);
    }

    [Fact]
    public async Task Version_and_health_endpoints_answer_like_a_1_32_server()
    {
        var version = (await Http.GetJsonAsync("/version")).Expect(HttpStatusCode.OK).Object;
        Assert.StartsWith("v1.32.", version["gitVersion"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("32", version["minor"]!.GetValue<string>());
        foreach (var path in new[] { "/healthz", "/readyz", "/livez" })
        {
            using var response = await Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Https_listener_is_verified_by_the_generated_CA()
    {
        Assert.NotNull(fixture.Server.HttpsUrl);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
                cert is not null && Security.CertificateAuthority.ChainsTo(cert, fixture.Server.CertificateAuthority.CertificatePem),
        };
        using var client = new HttpClient(handler) { BaseAddress = fixture.Server.HttpsUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Server.AdminToken);
        var namespaces = (await client.GetJsonAsync("/api/v1/namespaces")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("NamespaceList", namespaces["kind"]!.GetValue<string>());

        var kubeconfig = await File.ReadAllTextAsync(fixture.KubeconfigPath);
        Assert.Contains(fixture.Server.HttpsUrl!.ToString().TrimEnd('/'), kubeconfig, StringComparison.Ordinal);
        Assert.Contains("certificate-authority-data:", kubeconfig, StringComparison.Ordinal);
        Assert.Contains(fixture.Server.AdminToken, kubeconfig, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tokens_are_rejected()
    {
        using var client = fixture.ClientFor("not-a-token");
        var response = await client.GetJsonAsync("/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Unauthorized", response.Object["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Errors_are_Status_bodies_shaped_like_the_real_servers()
    {
        var ns = await SetUpAsync("errors");
        var notFound = await Http.GetJsonAsync($"/api/v1/namespaces/{ns}/configmaps/nope");
        Assert.Equal(HttpStatusCode.NotFound, notFound.Status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404}
            """), notFound.Body), notFound.Body!.ToJsonString());

        var created = (await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("c1"))).Expect(HttpStatusCode.Created).Object;
        var exists = await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("c1"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"c1\" already exists","reason":"AlreadyExists","details":{"name":"c1","kind":"configmaps"},"code":409}
            """), exists.Body), exists.Body!.ToJsonString());

        var update = (JsonObject)created.DeepClone();
        update["data"] = new JsonObject { ["k"] = "v2" };
        (await Http.PutJsonAsync($"/api/v1/namespaces/{ns}/configmaps/c1", update)).Expect(HttpStatusCode.OK);
        var stale = await Http.PutJsonAsync($"/api/v1/namespaces/{ns}/configmaps/c1", update);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \"c1\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"c1","kind":"configmaps"},"code":409}
            """), stale.Body), stale.Body!.ToJsonString());

        var crNotFound = await Http.GetJsonAsync($"/apis/{Group}/v1/namespaces/{ns}/things/nope");
        Assert.Equal("things.semantics.kubesim.io \"nope\" not found", crNotFound.Object["message"]!.GetValue<string>());
        Assert.Equal(Group, crNotFound.Object["details"]!["group"]!.GetValue<string>());

        var missingNamespace = await Http.PostJsonAsync("/api/v1/namespaces/does-not-exist/configmaps", ApiClient.ConfigMap("c1"));
        Assert.Equal(HttpStatusCode.NotFound, missingNamespace.Status);
        Assert.Equal("namespaces \"does-not-exist\" not found", missingNamespace.Object["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writes_get_uid_timestamps_and_cluster_wide_increasing_resource_versions()
    {
        var ns = await SetUpAsync("rv");
        var a = (await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("a"))).Object;
        var b = (await Http.PostJsonAsync($"/apis/{Group}/v1/namespaces/{ns}/things", TestCrds.Thing(Group, "b"))).Expect(HttpStatusCode.Created).Object;
        Assert.True(long.Parse(b.Rv(), System.Globalization.CultureInfo.InvariantCulture) > long.Parse(a.Rv(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(Guid.TryParse(a["metadata"]!["uid"]!.GetValue<string>(), out _));
        Assert.Equal(ResourceServiceTimestamp(fixture.Time.GetUtcNow()), a["metadata"]!["creationTimestamp"]!.GetValue<string>());
        Assert.Null(a["metadata"]!["generation"]);

        var generated = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["generateName"] = "gen-" } };
        var g = (await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", generated)).Expect(HttpStatusCode.Created).Object;
        Assert.Matches("^gen-[a-z0-9]{5}$", g["metadata"]!["name"]!.GetValue<string>());

        var list = (await Http.GetJsonAsync($"/api/v1/namespaces/{ns}/configmaps")).Object;
        Assert.Equal(fixture.Server.Store.CurrentResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), list["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    private static string ResourceServiceTimestamp(DateTimeOffset t) => KubeSim.Api.ResourceService.Timestamp(t);

    [Fact]
    public async Task Generation_counts_spec_changes_only_and_status_is_a_separate_subresource()
    {
        var ns = await SetUpAsync("gen");
        var path = $"/apis/{Group}/v1/namespaces/{ns}/things";
        var thing = TestCrds.Thing(Group, "t1", new JsonObject { ["replicas"] = 2 });
        thing["status"] = new JsonObject { ["phase"] = "Ignored" };
        var created = (await Http.PostJsonAsync(path, thing)).Expect(HttpStatusCode.Created).Object;
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<long>());
        Assert.Null(created["status"]);
        Assert.Equal("safe", created["spec"]!["mode"]!.GetValue<string>());

        var spec = (await Http.PatchJsonAsync($"{path}/t1", JsonNode.Parse("""{"spec":{"replicas":3}}""")!)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(2, spec["metadata"]!["generation"]!.GetValue<long>());

        var labels = (await Http.PatchJsonAsync($"{path}/t1", JsonNode.Parse("""{"metadata":{"labels":{"x":"y"}}}""")!)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(2, labels["metadata"]!["generation"]!.GetValue<long>());

        var status = (await Http.PatchJsonAsync($"{path}/t1/status", JsonNode.Parse("""{"status":{"phase":"Running"},"spec":{"replicas":9}}""")!)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(2, status["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal("Running", status["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(3, status["spec"]!["replicas"]!.GetValue<long>());

        var mainWithStatus = (await Http.PatchJsonAsync($"{path}/t1", JsonNode.Parse("""{"status":{"phase":"Hacked"}}""")!)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("Running", mainWithStatus["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(2, mainWithStatus["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Scale_subresource_reads_and_writes_replicas()
    {
        var ns = await SetUpAsync("scale");
        var path = $"/apis/{Group}/v1/namespaces/{ns}/things";
        (await Http.PostJsonAsync(path, TestCrds.Thing(Group, "t1", new JsonObject { ["replicas"] = 2 }))).Expect(HttpStatusCode.Created);
        (await Http.PatchJsonAsync($"{path}/t1/status", JsonNode.Parse("""{"status":{"replicas":2,"selector":"app=t1"}}""")!)).Expect(HttpStatusCode.OK);
        var scale = (await Http.GetJsonAsync($"{path}/t1/scale")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("Scale", scale["kind"]!.GetValue<string>());
        Assert.Equal("autoscaling/v1", scale["apiVersion"]!.GetValue<string>());
        Assert.Equal(2, scale["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal("app=t1", scale["status"]!["selector"]!.GetValue<string>());

        scale["spec"]!["replicas"] = 4;
        var put = (await Http.PutJsonAsync($"{path}/t1/scale", scale)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(4, put["spec"]!["replicas"]!.GetValue<long>());
        var stale = await Http.PutJsonAsync($"{path}/t1/scale", scale);
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);

        var negative = await Http.PatchJsonAsync($"{path}/t1/scale", JsonNode.Parse("""{"spec":{"replicas":-1}}""")!);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, negative.Status);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        var ns = await SetUpAsync("select");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("a", labels: new JsonObject { ["tier"] = "gold", ["app"] = "x" }));
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("b", labels: new JsonObject { ["tier"] = "silver" }));
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("c"));

        async Task<string> Names(string query)
        {
            var list = (await Http.GetJsonAsync($"{path}?{query}")).Expect(HttpStatusCode.OK).Object;
            return string.Join(",", list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
        }

        Assert.Equal("a", await Names("labelSelector=tier%3Dgold"));
        Assert.Equal("b,c", await Names("labelSelector=tier!%3Dgold"));
        Assert.Equal("a,b", await Names("labelSelector=tier%20in%20(gold,silver)"));
        Assert.Equal("b", await Names("labelSelector=tier%20notin%20(gold),tier"));
        Assert.Equal("c", await Names("labelSelector=!tier"));
        Assert.Equal("a", await Names("labelSelector=app,tier%3D%3Dgold"));
        Assert.Equal("b", await Names("fieldSelector=metadata.name%3Db"));
        Assert.Equal("a,c", await Names("fieldSelector=metadata.name!%3Db"));
        Assert.Equal("a,b,c", await Names($"fieldSelector=metadata.namespace%3D{ns}"));

        var bad = await Http.GetJsonAsync($"{path}?fieldSelector=spec.nothing%3Dx");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
    }

    [Fact]
    public async Task Lists_paginate_with_limit_and_continue()
    {
        var ns = await SetUpAsync("page");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        foreach (var name in new[] { "a", "b", "c", "d", "e" })
            await Http.PostJsonAsync(path, ApiClient.ConfigMap(name));
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = (await Http.GetJsonAsync($"{path}?limit=2" + (token is null ? "" : $"&continue={Uri.EscapeDataString(token)}"))).Object;
            seen.AddRange(page["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
            token = page["metadata"]!["continue"]?.GetValue<string>();
            if (pages == 0)
                Assert.Equal(3, page["metadata"]!["remainingItemCount"]!.GetValue<long>());
            pages++;
        }
        while (token is not null);
        Assert.Equal(["a", "b", "c", "d", "e"], seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Dry_run_validates_but_does_not_persist()
    {
        var ns = await SetUpAsync("dry");
        var before = fixture.Server.Store.CurrentResourceVersion;
        var dry = (await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps?dryRun=All", ApiClient.ConfigMap("ghost"))).Expect(HttpStatusCode.Created).Object;
        Assert.Equal("ghost", dry["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(before, fixture.Server.Store.CurrentResourceVersion);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetJsonAsync($"/api/v1/namespaces/{ns}/configmaps/ghost")).Status);

        var invalid = await Http.PostJsonAsync($"/apis/{Group}/v1/namespaces/{ns}/things?dryRun=All", TestCrds.Thing(Group, "bad", new JsonObject { ["replicas"] = -3 }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);
    }

    [Fact]
    public async Task Field_validation_strict_warn_and_ignore_and_unknown_fields_are_pruned()
    {
        var ns = await SetUpAsync("fields");
        var path = $"/apis/{Group}/v1/namespaces/{ns}/things";
        var thing = TestCrds.Thing(Group, "t1", new JsonObject { ["replicas"] = 1, ["colour"] = "red", ["free"] = new JsonObject { ["any"] = new JsonObject { ["thing"] = 1 } } });

        var strict = await Http.PostJsonAsync($"{path}?fieldValidation=Strict", thing);
        Assert.Equal(HttpStatusCode.BadRequest, strict.Status);
        Assert.Equal("Thing in version \"v1\" cannot be handled as a Thing: strict decoding error: unknown field \"spec.colour\"", strict.Object["message"]!.GetValue<string>());

        var warn = (await Http.PostJsonAsync($"{path}?fieldValidation=Warn", thing)).Expect(HttpStatusCode.Created);
        Assert.Equal(["299 - \"unknown field \\\"spec.colour\\\"\""], warn.Warnings);
        Assert.Null(warn.Object["spec"]!["colour"]);
        Assert.Equal(1, warn.Object["spec"]!["free"]!["any"]!["thing"]!.GetValue<long>());

        thing["metadata"]!["name"] = "t2";
        var ignore = (await Http.PostJsonAsync($"{path}?fieldValidation=Ignore", thing)).Expect(HttpStatusCode.Created);
        Assert.Empty(ignore.Warnings);
    }

    [Fact]
    public async Task Invalid_custom_resources_are_rejected_with_one_cause_per_field()
    {
        var ns = await SetUpAsync("invalid");
        var response = await Http.PostJsonAsync($"/apis/{Group}/v1/namespaces/{ns}/things",
            TestCrds.Thing(Group, "bad", new JsonObject { ["replicas"] = "many", ["mode"] = "reckless" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        var status = response.Object;
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        Assert.Equal("Thing", status["details"]!["kind"]!.GetValue<string>());
        Assert.Equal(Group, status["details"]!["group"]!.GetValue<string>());
        var causes = status["details"]!["causes"]!.AsArray();
        Assert.Contains(causes, c => c!["field"]!.GetValue<string>() == "spec.replicas" && c["reason"]!.GetValue<string>() == "FieldValueInvalid");
        Assert.Contains(causes, c => c!["field"]!.GetValue<string>() == "spec.mode" && c["reason"]!.GetValue<string>() == "FieldValueNotSupported");
        Assert.StartsWith("Thing.semantics.kubesim.io \"bad\" is invalid: [", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_types_json_merge_strategic_and_415_for_custom_resources()
    {
        var ns = await SetUpAsync("patch");
        var deployment = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"NS"},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"web","image":"nginx:1","env":[{"name":"A","value":"1"}]},{"name":"side","image":"busybox"}]}}}}
            """.Replace("NS", ns, StringComparison.Ordinal))!;
        (await Http.PostJsonAsync($"/apis/apps/v1/namespaces/{ns}/deployments", deployment)).Expect(HttpStatusCode.Created);
        var patched = (await Http.PatchJsonAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web",
            JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}]}]}}}}""")!,
            "application/strategic-merge-patch+json")).Expect(HttpStatusCode.OK).Object;
        var containers = patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(2, containers.Count);
        Assert.Equal("nginx:1", containers[0]!["image"]!.GetValue<string>());
        Assert.Equal(["A", "B"], containers[0]!["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));

        var deleted = (await Http.PatchJsonAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web",
            JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}""")!,
            "application/strategic-merge-patch+json")).Expect(HttpStatusCode.OK).Object;
        Assert.Single(deleted["spec"]!["template"]!["spec"]!["containers"]!.AsArray());

        var thingPath = $"/apis/{Group}/v1/namespaces/{ns}/things";
        (await Http.PostJsonAsync(thingPath, TestCrds.Thing(Group, "t1"))).Expect(HttpStatusCode.Created);
        var unsupported = await Http.PatchJsonAsync($"{thingPath}/t1", JsonNode.Parse("""{"spec":{"replicas":2}}""")!, "application/strategic-merge-patch+json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.Status);
        Assert.Equal("UnsupportedMediaType", unsupported.Object["reason"]!.GetValue<string>());

        var json = (await Http.PatchJsonAsync($"{thingPath}/t1", JsonNode.Parse("""[{"op":"add","path":"/spec/tags","value":["a"]},{"op":"add","path":"/spec/tags/-","value":"b"}]""")!,
            "application/json-patch+json")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["a", "b"], json["spec"]!["tags"]!.AsArray().Select(t => t!.GetValue<string>()));

        var failedTest = await Http.PatchJsonAsync($"{thingPath}/t1", JsonNode.Parse("""[{"op":"test","path":"/spec/replicas","value":7}]""")!, "application/json-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failedTest.Status);

        var merge = (await Http.PatchJsonAsync($"{thingPath}/t1", JsonNode.Parse("""{"spec":{"tags":null,"replicas":5}}""")!)).Expect(HttpStatusCode.OK).Object;
        Assert.Null(merge["spec"]!["tags"]);
        Assert.Equal(5, merge["spec"]!["replicas"]!.GetValue<long>());
    }

    [Fact]
    public async Task Cluster_scoped_and_namespaced_paths_are_distinguished()
    {
        (await Http.GetJsonAsync("/api/v1/nodes")).Expect(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetJsonAsync("/api/v1/namespaces/default/nodes")).Status);
        var nodes = (await Http.GetJsonAsync("/api/v1/nodes")).Object["items"]!.AsArray();
        Assert.All(nodes, n => Assert.NotNull(n!["metadata"]!["labels"]!["topology.kubernetes.io/zone"]));
        var allNamespaces = (await Http.GetJsonAsync("/api/v1/configmaps")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ConfigMapList", allNamespaces["kind"]!.GetValue<string>());
    }
}
