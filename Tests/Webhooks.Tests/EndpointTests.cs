using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>Each path over real HTTPS/HTTP2: allow, deny with the spec's message, warnings, patches and 400s.</summary>
[Collection(WebhookCollection.Name)]
public sealed class EndpointTests(WebhookFixture fixture)
{
    private const string Mutate = WebhookEndpoints.MutatePath;
    private const string ValidateCluster = "/validate-multigres-com-v1alpha1-multigrescluster";

    [Fact]
    public async Task Mutating_webhook_returns_a_base64_json_patch_that_yields_the_resolved_spec()
    {
        var ns = fixture.NewNamespace("mutate");
        var cluster = MinimalCluster(ns);
        var (status, body, version) = await fixture.PostAsync(Mutate, Review("CREATE", cluster));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpVersion.Version20, version);
        var response = body!["response"]!;
        Assert.True(response["allowed"]!.GetValue<bool>());
        Assert.Equal("JSONPatch", response["patchType"]!.GetValue<string>());
        var patch = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(response["patch"]!.GetValue<string>())))!.AsArray();
        Assert.NotEmpty(patch);

        var expected = MutationPatch.Compute(cluster, InMemoryTemplateSource.Empty).Patch;
        Assert.True(JsonNode.DeepEquals(expected, patch), $"expected {expected.ToJsonString()}\nseen {patch.ToJsonString()}");
        Assert.Contains(patch, op => op!["path"]!.GetValue<string>() == "/spec/databases");
    }

    [Fact]
    public async Task Mutating_a_defaulted_cluster_returns_no_patch()
    {
        var ns = fixture.NewNamespace("mutate-idem");
        var cluster = MinimalCluster(ns);
        var defaulted = MutationPatch.Compute(cluster, InMemoryTemplateSource.Empty).Defaulted;
        cluster["spec"] = MutationPatch.SpecJson(defaulted);
        var (_, body, _) = await fixture.PostAsync(Mutate, Review("UPDATE", cluster, cluster));
        Assert.True(body!["response"]!["allowed"]!.GetValue<bool>());
        Assert.Null(body["response"]!["patch"]);
    }

    [Fact]
    public async Task A_pool_in_a_cell_that_does_not_exist_is_denied_with_the_exact_message()
    {
        var ns = fixture.NewNamespace("invalid");
        var cluster = MinimalCluster(ns);
        cluster["spec"]!["databases"] = JsonNode.Parse("""
            [{"name":"postgres","default":true,"tablegroups":[{"name":"default","default":true,"shards":[{"name":"0-inf",
              "spec":{"multiorch":{"cells":["zone-a"]},"pools":{"main":{"type":"readWrite","cells":["zone-b"]}}}}]}]}]
            """);
        var (status, body, _) = await fixture.PostAsync(ValidateCluster, Review("CREATE", cluster));

        Assert.Equal(HttpStatusCode.OK, status);
        var response = body!["response"]!;
        Assert.False(response["allowed"]!.GetValue<bool>());
        Assert.Equal(403, response["status"]!["code"]!.GetValue<int>());
        Assert.Equal("pool 'main' in shard '0-inf' is assigned to non-existent cell 'zone-b'", response["status"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_valid_cluster_is_allowed_with_the_zone_warning()
    {
        var ns = fixture.NewNamespace("warn");
        var (_, body, _) = await fixture.PostAsync(ValidateCluster, Review("CREATE", MinimalCluster(ns)));
        var response = body!["response"]!;
        Assert.True(response["allowed"]!.GetValue<bool>(), response.ToJsonString());
        var warnings = response["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
        Assert.Contains("cell 'zone-a': no nodes currently match topology.k8s.aws/zone-id=us-central1-a; pods will be Pending until matching nodes are available", warnings);
    }

    [Fact]
    public async Task A_missing_template_reference_is_denied()
    {
        var ns = fixture.NewNamespace("missing");
        var cluster = MinimalCluster(ns);
        cluster["spec"]!["templateDefaults"] = new JsonObject { ["coreTemplate"] = "prod" };
        var (_, body, _) = await fixture.PostAsync(ValidateCluster, Review("CREATE", cluster));
        Assert.Equal($"referenced CoreTemplate 'prod' not found in namespace '{ns}'", body!["response"]!["status"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_a_referenced_template_is_denied_and_an_unreferenced_one_allowed()
    {
        var ns = fixture.NewNamespace("guard");
        var cluster = MinimalCluster(ns);
        cluster["spec"]!["templateDefaults"] = new JsonObject { ["shardTemplate"] = "big" };
        fixture.Data.Clusters.Add(cluster.Deserialize(MultigresJsonContext.Default.MultigresCluster)!);

        var (_, denied, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-shardtemplate",
            Review("DELETE", null, Object("ShardTemplate", ns, "big")));
        Assert.Equal("cannot delete ShardTemplate 'big' because it is in use by MultigresCluster 'minimal'", denied!["response"]!["status"]!["message"]!.GetValue<string>());

        var (_, allowed, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-shardtemplate",
            Review("DELETE", null, Object("ShardTemplate", ns, "small")));
        Assert.True(allowed!["response"]!["allowed"]!.GetValue<bool>());
        var (_, core, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-coretemplate",
            Review("DELETE", null, Object("CoreTemplate", ns, "big")));
        Assert.True(core!["response"]!["allowed"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("cell", "Cell")]
    [InlineData("shard", "Shard")]
    [InlineData("toposerver", "TopoServer")]
    [InlineData("tablegroup", "TableGroup")]
    public async Task Child_resources_are_writable_only_by_the_operator(string path, string kind)
    {
        var ns = fixture.NewNamespace("child");
        var child = Object(kind, ns, "c1");
        foreach (var operation in new[] { "CREATE", "UPDATE", "DELETE" })
        {
            var review = operation == "DELETE" ? Review(operation, null, child) : Review(operation, child, operation == "UPDATE" ? child : null);
            var (_, denied, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-" + path, review);
            Assert.Equal($"direct modification of {kind} is prohibited; this resource is managed by the MultigresCluster parent object",
                denied!["response"]!["status"]!["message"]!.GetValue<string>());
        }
        var asOperator = Review("DELETE", null, child, username: WebhookOptions.DefaultOperatorUser);
        var (_, allowed, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-" + path, asOperator);
        Assert.True(allowed!["response"]!["allowed"]!.GetValue<bool>());
        var asCollector = Review("DELETE", null, child, username: "system:serviceaccount:kube-system:generic-garbage-collector");
        Assert.True((await fixture.PostAsync("/validate-multigres-com-v1alpha1-" + path, asCollector)).Body!["response"]!["allowed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ShardTemplate_pool_names_are_checked()
    {
        var ns = fixture.NewNamespace("shardtpl");
        var template = Object("ShardTemplate", ns, "t", JsonNode.Parse("""{"pools":{"BAD_POOL":{"type":"readWrite"}}}""")!.AsObject());
        var (_, body, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-shardtemplate", Review("CREATE", template));
        Assert.Equal("pool name 'BAD_POOL' is invalid: must consist of lowercase alphanumeric characters or '-', and must start and end with an alphanumeric character",
            body!["response"]!["status"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task CellTemplate_buffer_rules_are_checked_and_metadata_only_updates_pass()
    {
        var ns = fixture.NewNamespace("celltpl");
        var template = Object("CellTemplate", ns, "gw", JsonNode.Parse("""{"multigateway":{"buffer":{"enabled":true,"window":"30s","maxFailoverDuration":"20s"}}}""")!.AsObject());
        var (_, body, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-celltemplate", Review("CREATE", template));
        Assert.Equal("CellTemplate 'gw': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)", body!["response"]!["status"]!["message"]!.GetValue<string>());

        var relabelled = (JsonObject)template.DeepClone();
        relabelled["metadata"]!["labels"] = new JsonObject { ["team"] = "db" };
        var (_, update, _) = await fixture.PostAsync("/validate-multigres-com-v1alpha1-celltemplate", Review("UPDATE", relabelled, template));
        Assert.True(update!["response"]!["allowed"]!.GetValue<bool>());
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{not json", "the body is not valid JSON" },
        { "[1,2]", "the body must be a JSON object" },
        { """{"apiVersion":"admission.k8s.io/v1","kind":"ConfigMap","request":{}}""", "expected kind AdmissionReview" },
        { """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "the AdmissionReview has no request object" },
        { """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}}""", "request.object is missing" },
        { """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":5,"operation":"CREATE"}}""", "request.uid must be a string" },
        { """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod"}}}""", "expected MultigresCluster of multigres.com/v1alpha1, got Pod of v1" },
        { """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"apiVersion":"multigres.com/v1alpha1","kind":"MultigresCluster","metadata":{"name":"x"},"spec":{"cells":"zone-a"}}}}""", "MultigresCluster" },
        { "", "the request body is empty" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Malformed_requests_get_a_400_with_a_clear_message(string body, string message)
    {
        foreach (var path in new[] { Mutate, ValidateCluster })
        {
            var (status, json, _) = await fixture.PostAsync(path, Encoding.UTF8.GetBytes(body));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(message, json!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_oversized_body_gets_a_400()
    {
        var huge = new byte[WebhookFixture.MaxRequestBytes + 10];
        Array.Fill(huge, (byte)' ');
        var (status, json, _) = await fixture.PostAsync(ValidateCluster, huge);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("exceeds the limit", json!["error"]!.GetValue<string>(), StringComparison.Ordinal);

        // Chunked (no Content-Length): the limit is enforced while reading.
        using var content = new StreamContent(new MemoryStream(huge));
        using var response = await fixture.Http.PostAsync(ValidateCluster, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task HTTP_1_1_is_served_too()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ValidateCluster)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(Review("CREATE", MinimalCluster(fixture.NewNamespace("h1"))).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
    }

    [Fact]
    public async Task Requests_are_counted_and_timed()
    {
        var counted = new List<(string Name, KeyValuePair<string, object?>[] Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WebhookMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => { lock (counted) counted.Add((i.Name, tags.ToArray())); });
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => { lock (counted) counted.Add((i.Name, tags.ToArray())); });
        listener.Start();

        await fixture.PostAsync(Mutate, Review("CREATE", MinimalCluster(fixture.NewNamespace("metrics"))));

        await Eventually.WaitUntil(
            () => { lock (counted) return counted.Any(c => c.Name == "webhook_request_total" && c.Tags.Contains(new("operation", "DEFAULT")) && c.Tags.Contains(new("result", "success"))); },
            "a webhook_request_total{operation=DEFAULT,result=success} measurement",
            () => { lock (counted) return string.Join(", ", counted.Select(c => c.Name)); });
        lock (counted)
            Assert.Contains(counted, c => c.Name == "webhook_request_duration_seconds");
    }
}
