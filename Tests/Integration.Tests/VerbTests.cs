using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Integration.Tests;

/// <summary>Every verb of the client against KubeSim, through the typed and the dynamic clients.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class VerbTests(KubeSimFixture fx)
{
    private ResourceClient<ConfigMap> ConfigMaps => fx.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);

    [Fact]
    public async Task Create_get_and_the_dynamic_client_see_the_same_object()
    {
        var ns = await fx.NewNamespaceAsync("verbs");
        var created = await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap("a", ns, new() { ["x"] = "1" }));
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));

        var typed = await ConfigMaps.GetAsync("a", ns);
        var dynamic = await fx.Client.Dynamic(KnownResources.ConfigMaps).GetAsync("a", ns);
        Assert.Equal("1", typed.Data!["x"]);
        Assert.Equal("1", dynamic["data"]!["x"]!.GetValue<string>());
        Assert.Equal(created.Metadata.ResourceVersion, dynamic["metadata"]!["resourceVersion"]!.GetValue<string>());

        await Assert.ThrowsAsync<AlreadyExistsException>(() => ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap("a", ns)));
        await Assert.ThrowsAsync<NotFoundException>(() => ConfigMaps.GetAsync("missing", ns));
        Assert.Null(await ConfigMaps.TryGetAsync("missing", ns));
    }

    [Fact]
    public async Task List_filters_by_label_and_field_selectors_and_pages_with_limit_and_continue()
    {
        var ns = await fx.NewNamespaceAsync("list");
        for (var i = 0; i < 7; i++)
            await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap($"cm-{i}", ns, labels: new() { ["parity"] = i % 2 == 0 ? "even" : "odd" }));

        var even = await ConfigMaps.ListAsync(ns, new ListOptions { LabelSelector = "parity=even" });
        Assert.Equal(["cm-0", "cm-2", "cm-4", "cm-6"], even.Items.Select(c => c.Metadata.Name!).Order());

        var byName = await ConfigMaps.ListAsync(ns, new ListOptions { FieldSelector = "metadata.name=cm-3" });
        Assert.Equal("cm-3", Assert.Single(byName.Items).Metadata.Name);

        var notOdd = await ConfigMaps.ListAsync(ns, new ListOptions { LabelSelector = "parity!=odd", FieldSelector = "metadata.name!=cm-0" });
        Assert.Equal(["cm-2", "cm-4", "cm-6"], notOdd.Items.Select(c => c.Metadata.Name!).Order());

        var pages = new List<int>();
        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await ConfigMaps.ListAsync(ns, new ListOptions { Limit = 3, Continue = token });
            pages.Add(page.Items.Count);
            names.AddRange(page.Items.Select(c => c.Metadata.Name!));
            token = page.Continue;
        }
        while (token is not null);
        Assert.Equal([3, 3, 1], pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"cm-{i}"), names.Order());

        var all = new List<string>();
        await foreach (var cm in ConfigMaps.ListAllAsync(ns, new ListOptions { Limit = 2 }))
            all.Add(cm.Metadata.Name!);
        Assert.Equal(names.Order(), all.Order());

        var cached = await ConfigMaps.ListAsync(ns, new ListOptions { ResourceVersion = "0" });
        Assert.Equal(7, cached.Items.Count);
        Assert.False(string.IsNullOrEmpty(cached.ResourceVersion));
    }

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_a_conflict()
    {
        var ns = await fx.NewNamespaceAsync("update");
        var first = await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap("u", ns));
        first.Data = new() { ["k"] = "second" };
        var second = await ConfigMaps.UpdateAsync(first);
        Assert.NotEqual(first.Metadata.ResourceVersion, second.Metadata.ResourceVersion);

        // `first` still carries the resourceVersion the update above replaced.
        first.Data = new() { ["k"] = "lost" };
        var e = await Assert.ThrowsAsync<ConflictException>(() => ConfigMaps.UpdateAsync(first));
        Assert.Equal(HttpStatusCode.Conflict, e.StatusCode);
        Assert.Equal("second", (await ConfigMaps.GetAsync("u", ns)).Data!["k"]);
    }

    [Fact]
    public async Task Delete_honours_preconditions_and_propagation_policy()
    {
        var ns = await fx.NewNamespaceAsync("delete");
        var cm = await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap("d", ns));
        await Assert.ThrowsAsync<ConflictException>(() => ConfigMaps.DeleteAsync("d", ns,
            new DeleteOptions { Preconditions = new Preconditions { Uid = "not-" + cm.Metadata.Uid } }));
        await Assert.ThrowsAsync<ConflictException>(() => ConfigMaps.DeleteAsync("d", ns,
            new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = "1" } }));
        Assert.NotNull(await ConfigMaps.TryGetAsync("d", ns));
        await ConfigMaps.DeleteAsync("d", ns, new DeleteOptions
        {
            Preconditions = new Preconditions { Uid = cm.Metadata.Uid, ResourceVersion = cm.Metadata.ResourceVersion },
        });
        Assert.Null(await ConfigMaps.TryGetAsync("d", ns));

        // Orphan keeps the dependent and strips its owner reference; Background lets the collector remove it.
        foreach (var (policy, dependentSurvives) in new[] { (PropagationPolicy.Orphan, true), (PropagationPolicy.Background, false) })
        {
            var owner = await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap($"owner-{policy}", ns));
            var dependent = KubeSimFixture.ConfigMap($"dependent-{policy}", ns);
            dependent.Metadata.OwnerReferences = [new OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = owner.Metadata.Name!, Uid = owner.Metadata.Uid! }];
            await ConfigMaps.CreateAsync(dependent);
            await ConfigMaps.DeleteAsync(owner.Metadata.Name!, ns, new DeleteOptions { PropagationPolicy = policy });
            await Eventually.UntilAsync(() => ConfigMaps.TryGetAsync(owner.Metadata.Name!, ns), o => o is null, $"owner gone ({policy})");
            if (dependentSurvives)
            {
                var kept = await Eventually.UntilAsync(() => ConfigMaps.GetAsync(dependent.Metadata.Name!, ns),
                    d => d.Metadata.OwnerReferences is null or { Count: 0 }, "orphaned dependent without owner references");
                Assert.NotNull(kept);
            }
            else
            {
                await Eventually.UntilAsync(() => ConfigMaps.TryGetAsync(dependent.Metadata.Name!, ns), d => d is null, "dependent collected (Background)");
            }
        }
    }

    [Fact]
    public async Task Merge_patch_and_json_patch_change_the_object()
    {
        var ns = await fx.NewNamespaceAsync("patch");
        await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap("p", ns, new() { ["a"] = "1", ["b"] = "2" }));

        var merged = await ConfigMaps.PatchAsync("p", ns, PatchType.Merge, new JsonObject { ["data"] = new JsonObject { ["a"] = "10", ["b"] = null, ["c"] = "3" } });
        Assert.Equal(new Dictionary<string, string> { ["a"] = "10", ["c"] = "3" }, merged.Data);

        var patched = await ConfigMaps.PatchAsync("p", ns, PatchType.Json, new JsonArray
        {
            new JsonObject { ["op"] = "test", ["path"] = "/data/a", ["value"] = "10" },
            new JsonObject { ["op"] = "replace", ["path"] = "/data/a", ["value"] = "11" },
            new JsonObject { ["op"] = "remove", ["path"] = "/data/c" },
        });
        Assert.Equal(new Dictionary<string, string> { ["a"] = "11" }, patched.Data);

        // A failing `test` operation leaves the object alone.
        await Assert.ThrowsAnyAsync<KubernetesApiException>(() => ConfigMaps.PatchAsync("p", ns, PatchType.Json,
            new JsonArray { new JsonObject { ["op"] = "test", ["path"] = "/data/a", ["value"] = "nope" }, new JsonObject { ["op"] = "remove", ["path"] = "/data/a" } }));
        Assert.Equal("11", (await ConfigMaps.GetAsync("p", ns)).Data!["a"]);
    }

    [Fact]
    public async Task Server_side_apply_removes_dropped_fields_and_resolves_conflicts_with_force()
    {
        var ns = await fx.NewNamespaceAsync("ssa");
        var dynamic = fx.Client.Dynamic(KnownResources.ConfigMaps);

        var applied = await dynamic.ApplyAsync("s", ns, KubeSimFixture.ConfigMapJson("s", new JsonObject { ["a"] = "1", ["b"] = "2" }), new ApplyOptions("first"));
        Assert.Equal("2", applied["data"]!["b"]!.GetValue<string>());

        // The same manager stops applying `b`: the server removes it, because only `first` owned it.
        var dropped = await dynamic.ApplyAsync("s", ns, KubeSimFixture.ConfigMapJson("s", new JsonObject { ["a"] = "1" }), new ApplyOptions("first"));
        Assert.Null(dropped["data"]!["b"]);
        Assert.Equal("1", dropped["data"]!["a"]!.GetValue<string>());

        // A second manager wanting another value for `a` is refused without force, and wins with it.
        var conflict = await Assert.ThrowsAsync<ConflictException>(() =>
            dynamic.ApplyAsync("s", ns, KubeSimFixture.ConfigMapJson("s", new JsonObject { ["a"] = "other" }), new ApplyOptions("second")));
        Assert.Contains("first", conflict.Message, StringComparison.Ordinal);
        Assert.Equal("1", (await ConfigMaps.GetAsync("s", ns)).Data!["a"]);

        var forced = await dynamic.ApplyAsync("s", ns, KubeSimFixture.ConfigMapJson("s", new JsonObject { ["a"] = "other" }), new ApplyOptions("second") { Force = true });
        Assert.Equal("other", forced["data"]!["a"]!.GetValue<string>());

        // Typed apply goes through the same path. Managed fields are kept per field manager, and
        // `first`, having lost its only field to the forced apply, no longer has an entry.
        var typed = await ConfigMaps.ApplyAsync(KubeSimFixture.ConfigMap("s", ns, new() { ["t"] = "typed" }), new ApplyOptions("third"));
        Assert.Equal("typed", typed.Data!["t"]);
        Assert.Equal(["second", "third"], typed.Metadata.ManagedFields!.Select(m => m.Manager!).Distinct().Order());
    }

    [Fact]
    public async Task Dry_run_all_persists_nothing()
    {
        var ns = await fx.NewNamespaceAsync("dryrun");
        var dry = new WriteOptions { DryRun = true };
        var answered = await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap("ghost", ns), dry);
        Assert.Equal("ghost", answered.Metadata.Name);
        Assert.Null(await ConfigMaps.TryGetAsync("ghost", ns));

        var real = await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap("real", ns, new() { ["k"] = "v" }));
        var patched = await ConfigMaps.PatchAsync("real", ns, PatchType.Merge, new JsonObject { ["data"] = new JsonObject { ["k"] = "dry" } }, dry);
        Assert.Equal("dry", patched.Data!["k"]);
        await ConfigMaps.ApplyAsync(KubeSimFixture.ConfigMap("real", ns, new() { ["k"] = "applied" }), new ApplyOptions("dry") { DryRun = true, Force = true });
        await ConfigMaps.DeleteAsync("real", ns, new DeleteOptions { DryRun = true });

        var after = await ConfigMaps.GetAsync("real", ns);
        Assert.Equal("v", after.Data!["k"]);
        Assert.Equal(real.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Single((await ConfigMaps.ListAsync(ns)).Items);
    }

    [Fact]
    public async Task Foreground_deletion_waits_for_dependents_and_delete_collection_honours_the_selector()
    {
        var ns = await fx.NewNamespaceAsync("foreground");
        var owner = await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap("owner", ns));
        var dependent = KubeSimFixture.ConfigMap("dependent", ns);
        dependent.Metadata.OwnerReferences = [new OwnerReference
        {
            ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid!, BlockOwnerDeletion = true,
        }];
        await ConfigMaps.CreateAsync(dependent);
        await ConfigMaps.DeleteAsync("owner", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Foreground, GracePeriodSeconds = 0 });
        await Eventually.UntilAsync(() => ConfigMaps.TryGetAsync("dependent", ns), d => d is null, "dependent deleted first (Foreground)");
        await Eventually.UntilAsync(() => ConfigMaps.TryGetAsync("owner", ns), o => o is null, "owner deleted after its dependent");

        for (var i = 0; i < 4; i++)
            await ConfigMaps.CreateAsync(KubeSimFixture.ConfigMap($"c-{i}", ns, labels: new() { ["sweep"] = i < 3 ? "yes" : "no" }));
        await ConfigMaps.DeleteCollectionAsync(ns, new ListOptions { LabelSelector = "sweep=yes" });
        await Eventually.UntilAsync(async () => (await ConfigMaps.ListAsync(ns)).Items.Select(c => c.Metadata.Name!).ToList(),
            names => names.SequenceEqual(["c-3"]), "only the unselected config map left");
    }
}
