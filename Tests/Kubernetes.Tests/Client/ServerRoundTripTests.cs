using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Tests.Support;

namespace MultigresOrleans.Kubernetes.Tests.Client;

public sealed class FakeApiServerFixture : IAsyncLifetime
{
    public FakeApiServer Server { get; private set; } = null!;
    public async Task InitializeAsync() => Server = await FakeApiServer.StartAsync();
    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The client against a live HTTP server: status codes and bodies as the server produces them.</summary>
public sealed class ServerRoundTripTests(FakeApiServerFixture fixture) : IClassFixture<FakeApiServerFixture>
{
    private readonly string _ns = "rt-" + Guid.NewGuid().ToString("N")[..8];

    private KubernetesClient NewClient() => new(TestClients.Config(fixture.Server.Url.ToString()), new KubernetesClientOptions { Qps = 0 });

    private ConfigMap Cm(string name, string value) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = _ns, Labels = new() { ["app"] = "x" } },
        Data = new() { ["k"] = value },
    };

    [Fact]
    public async Task Create_get_update_and_stale_update_conflicts()
    {
        using var client = NewClient();
        var cms = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        var created = await cms.CreateAsync(Cm("a", "1"));
        Assert.NotNull(created.Metadata.Uid);
        await Assert.ThrowsAsync<AlreadyExistsException>(() => cms.CreateAsync(Cm("a", "1")));

        var read = await cms.GetAsync("a", _ns);
        read.Data!["k"] = "2";
        var updated = await cms.UpdateAsync(read);
        Assert.NotEqual(created.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);

        // `read` still carries the old resourceVersion: the server must refuse it.
        read.Data["k"] = "3";
        var conflict = await Assert.ThrowsAsync<ConflictException>(() => cms.UpdateAsync(read));
        Assert.Contains("the object has been modified", conflict.ServerMessage, StringComparison.Ordinal);
        Assert.Equal("2", (await cms.GetAsync("a", _ns)).Data!["k"]);
    }

    [Fact]
    public async Task Get_missing_is_NotFound_and_TryGet_is_null()
    {
        using var client = NewClient();
        var cms = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        var e = await Assert.ThrowsAsync<NotFoundException>(() => cms.GetAsync("nope", _ns));
        Assert.Equal("configmaps \"nope\" not found", e.ServerMessage);
        Assert.Null(await cms.TryGetAsync("nope", _ns));
        Assert.Equal(2, client.Metrics.Count("get", "configmaps", 404));
    }

    [Fact]
    public async Task Delete_with_stale_precondition_conflicts_then_succeeds()
    {
        using var client = NewClient();
        var cms = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        var created = await cms.CreateAsync(Cm("d", "1"));
        await Assert.ThrowsAsync<ConflictException>(() => cms.DeleteAsync("d", _ns, new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = "1" } }));
        Assert.Null(await cms.DeleteAsync("d", _ns, new DeleteOptions { Preconditions = new Preconditions { Uid = created.Metadata.Uid, ResourceVersion = created.Metadata.ResourceVersion } }));
        Assert.Null(await cms.TryGetAsync("d", _ns));
    }

    [Fact]
    public async Task Merge_patch_and_paged_list_with_label_selector()
    {
        using var client = NewClient();
        var cms = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        for (var i = 0; i < 5; i++) await cms.CreateAsync(Cm($"m{i}", "v"));
        await cms.PatchAsync("m0", _ns, PatchType.Merge, JsonNode.Parse("""{"metadata":{"labels":{"app":"y"}},"data":{"k":null,"n":"1"}}""")!);
        var names = new List<string>();
        await foreach (var cm in cms.ListAllAsync(_ns, new ListOptions { LabelSelector = "app=x", Limit = 2 })) names.Add(cm.Metadata.Name!);
        Assert.Equal(["m1", "m2", "m3", "m4"], names);
        var m0 = await cms.GetAsync("m0", _ns);
        Assert.Equal(new Dictionary<string, string> { ["n"] = "1" }, m0.Data);
        Assert.True(client.Metrics.Count("list", "configmaps", 200) >= 2);
    }

    [Fact]
    public async Task Server_side_apply_removes_a_field_dropped_from_the_apply_configuration()
    {
        using var client = NewClient();
        var cms = client.Dynamic(KnownResources.ConfigMaps);
        JsonObject Config(params string[] keys) => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "ssa", ["namespace"] = _ns },
            ["data"] = new JsonObject(keys.Select(k => KeyValuePair.Create(k, (JsonNode?)JsonValue.Create("v-" + k)))),
        };
        var first = await cms.ApplyAsync(Config("a", "b"), new ApplyOptions("op") { Force = true });
        Assert.Equal(2, first["data"]!.AsObject().Count);
        var second = await cms.ApplyAsync(Config("a"), new ApplyOptions("op") { Force = true });
        Assert.Equal(["a"], second["data"]!.AsObject().Select(kv => kv.Key));
    }

    [Fact]
    public async Task Invalid_create_carries_the_field_cause()
    {
        using var client = NewClient();
        var cms = client.Dynamic(KnownResources.ConfigMaps);
        var e = await Assert.ThrowsAsync<InvalidException>(() => cms.CreateAsync(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["namespace"] = _ns } }));
        Assert.Equal("metadata.name", Assert.Single(e.Causes).Field);
    }
}

public sealed class ConflictRetryTests(FakeApiServerFixture fixture) : IClassFixture<FakeApiServerFixture>
{
    [Fact]
    public async Task Concurrent_read_modify_writes_all_land_exactly_once()
    {
        var ns = "cr-" + Guid.NewGuid().ToString("N")[..8];
        using var client = new KubernetesClient(TestClients.Config(fixture.Server.Url.ToString()), new KubernetesClientOptions { Qps = 0 });
        var cms = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        await cms.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "counter", Namespace = ns }, Data = new() { ["n"] = "0" } });
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ConflictRetry.RunAsync(async ct =>
        {
            var cm = await cms.GetAsync("counter", ns, ct);
            cm.Data!["n"] = (int.Parse(cm.Data["n"], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await cms.UpdateAsync(cm, cancellationToken: ct);
        }, maxAttempts: 50)));
        Assert.Equal("8", (await cms.GetAsync("counter", ns)).Data!["n"]);
    }
}
