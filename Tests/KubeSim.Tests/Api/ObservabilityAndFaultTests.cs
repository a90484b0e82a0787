using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Observability;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>Request counters, the audit log of writes, and injected faults.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class ObservabilityAndFaultTests(KubeSimFixture fixture)
{
    [Fact]
    public async Task Requests_are_counted_by_verb_resource_user_and_status_and_writes_are_audited()
    {
        var ns = await fixture.NewNamespaceAsync("counters");
        var token = fixture.Server.Tokens.IssueToken("bench-user", ["bench"]);
        using var client = fixture.ClientFor(token);
        await client.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("a"));
        await client.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("a"));
        await client.GetJsonAsync($"/api/v1/namespaces/{ns}/configmaps/a");
        await client.PatchJsonAsync($"/api/v1/namespaces/{ns}/configmaps/a", JsonNode.Parse("""{"data":{"k":"2"}}""")!);

        var counters = fixture.Server.Counters;
        Assert.Equal(1, counters.Count(verb: "create", resource: "configmaps", user: "bench-user", status: 201));
        Assert.Equal(1, counters.Count(verb: "create", resource: "configmaps", user: "bench-user", status: 409));
        Assert.Equal(1, counters.Count(verb: "get", user: "bench-user"));
        Assert.Equal(3, counters.Writes("bench-user"));

        var audit = fixture.Server.Audit.Entries.Where(e => e["user"]!["username"]!.GetValue<string>() == "bench-user").ToList();
        Assert.Equal(["create", "create", "patch"], audit.Select(e => e["verb"]!.GetValue<string>()));
        Assert.Equal([201, 409, 200], audit.Select(e => e["responseStatus"]!["code"]!.GetValue<int>()));
        var file = await File.ReadAllLinesAsync(fixture.Server.Options.AuditLogPath!);
        Assert.Contains(file, l => l.Contains("bench-user", StringComparison.Ordinal) && l.Contains("\"patch\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Injected_errors_and_410_storms_reach_clients_as_Status_bodies()
    {
        var ns = await fixture.NewNamespaceAsync("faults");
        var faults = fixture.Server.Faults;
        faults.Seed(7);
        faults.Add(new FaultRule { Verb = "list", Resource = "secrets", ErrorRate = 1.0, StatusCode = 503 });
        try
        {
            var failed = await fixture.Http.GetJsonAsync($"/api/v1/namespaces/{ns}/secrets");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
            Assert.Equal("ServiceUnavailable", failed.Object["reason"]!.GetValue<string>());
            (await fixture.Http.GetJsonAsync($"/api/v1/namespaces/{ns}/configmaps")).Expect(HttpStatusCode.OK);
        }
        finally
        {
            faults.Clear();
        }
        (await fixture.Http.GetJsonAsync($"/api/v1/namespaces/{ns}/secrets")).Expect(HttpStatusCode.OK);

        var rv = (await fixture.Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("x"))).Object.Rv();
        await fixture.Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("y"));
        fixture.Server.Store.Compact();
        await using var watch = await WatchStream.OpenAsync(fixture.Http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}");
        Assert.Equal("ERROR", (await watch.NextAsync("a 410 after the storm"))["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dropped_watches_end_the_stream()
    {
        var ns = await fixture.NewNamespaceAsync("drop");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        fixture.Server.Faults.WatchDropRate = 1.0;
        try
        {
            await using var watch = await WatchStream.OpenAsync(fixture.Http, $"{path}?watch=true&resourceVersion={fixture.Server.Store.CurrentResourceVersion}");
            await fixture.Http.PostJsonAsync(path, ApiClient.ConfigMap("a"));
            var line = await watch.TryNextAsync(TimeSpan.FromSeconds(10));
            Assert.Null(line);
        }
        finally
        {
            fixture.Server.Faults.Clear();
        }
    }
}
