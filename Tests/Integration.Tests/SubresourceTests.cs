using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.Integration.Tests;

/// <summary>The status and scale subresources of a CRD installed at run time, through the dynamic client.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class SubresourceTests(KubeSimFixture fx)
{
    private const string Group = "integration.multigres.test";
    private static readonly ApiResource Widgets = new(Group, "v1", "widgets", Namespaced: true, Kind: "Widget");

    private static JsonObject Crd() => (JsonObject)YamlJson.Parse($$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.{{Group}}}
        spec:
          group: {{Group}}
          names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      replicas: {type: integer, minimum: 0}
                      size: {type: string}
                  status:
                    type: object
                    properties:
                      replicas: {type: integer}
                      selector: {type: string}
                      phase: {type: string}
        """)!;

    private static JsonObject Widget(string name, int replicas) => new()
    {
        ["apiVersion"] = $"{Group}/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["replicas"] = replicas, ["size"] = "s" },
    };

    private async Task<ResourceClient<JsonObject>> InstallAsync()
    {
        var crds = fx.Client.Dynamic(KnownResources.CustomResourceDefinitions);
        if (await crds.TryGetAsync($"widgets.{Group}") is null)
            await crds.CreateAsync(Crd());
        var widgets = fx.Client.Dynamic(Widgets);
        // Installation is asynchronous on a real server; wait until the new resource is served.
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await widgets.ListAsync("default");
                return true;
            }
            catch (NotFoundException)
            {
                return false;
            }
        }, served => served, "widgets served after the CRD was created");
        return widgets;
    }

    [Fact]
    public async Task Status_subresource_writes_only_status_and_the_main_resource_only_spec()
    {
        var widgets = await InstallAsync();
        var ns = await fx.NewNamespaceAsync("status");
        var w = Widget("w", 1);
        w["metadata"]!["namespace"] = ns;
        var created = await widgets.CreateAsync(w);
        var generation = created["metadata"]!["generation"]!.GetValue<long>();

        // Through /status: status changes, a spec change in the same body is ignored, generation stays.
        created["status"] = new JsonObject { ["phase"] = "Ready", ["replicas"] = 1 };
        created["spec"]!["size"] = "ignored";
        var afterStatus = await widgets.UpdateStatusAsync(created);
        Assert.Equal("Ready", afterStatus["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("s", afterStatus["spec"]!["size"]!.GetValue<string>());
        Assert.Equal(generation, afterStatus["metadata"]!["generation"]!.GetValue<long>());

        // Through the main resource: spec changes and bumps generation, status is ignored.
        afterStatus["spec"]!["size"] = "m";
        afterStatus["status"]!["phase"] = "ignored";
        var afterSpec = await widgets.UpdateAsync(afterStatus);
        Assert.Equal("m", afterSpec["spec"]!["size"]!.GetValue<string>());
        Assert.Equal("Ready", afterSpec["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(generation + 1, afterSpec["metadata"]!["generation"]!.GetValue<long>());

        // Server-side apply of status by a controller's field manager.
        var applied = await widgets.ApplyAsync("w", ns, new JsonObject
        {
            ["apiVersion"] = $"{Group}/v1",
            ["kind"] = "Widget",
            ["metadata"] = new JsonObject { ["name"] = "w" },
            ["status"] = new JsonObject { ["phase"] = "Degraded" },
        }, new ApplyOptions("widget-controller") { Force = true }, subresource: "status");
        Assert.Equal("Degraded", applied["status"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task Scale_subresource_reads_and_writes_the_replica_paths()
    {
        var widgets = await InstallAsync();
        var ns = await fx.NewNamespaceAsync("scale");
        var w = Widget("w", 2);
        w["metadata"]!["namespace"] = ns;
        await widgets.CreateAsync(w);

        var scale = await widgets.GetScaleAsync("w", ns);
        Assert.Equal(2, scale.Spec.Replicas);

        scale.Spec.Replicas = 5;
        var updated = await widgets.UpdateScaleAsync(scale);
        Assert.Equal(5, updated.Spec.Replicas);
        Assert.Equal(5, (await widgets.GetAsync("w", ns))["spec"]!["replicas"]!.GetValue<int>());

        // The scale's resourceVersion is the object's: a stale one conflicts like any update.
        scale.Spec.Replicas = 7;
        await Assert.ThrowsAsync<ConflictException>(() => widgets.UpdateScaleAsync(scale));
    }

    [Fact]
    public async Task Strategic_merge_patch_is_refused_with_415_for_custom_resources()
    {
        var widgets = await InstallAsync();
        var ns = await fx.NewNamespaceAsync("smp");
        var w = Widget("w", 1);
        w["metadata"]!["namespace"] = ns;
        await widgets.CreateAsync(w);
        await Assert.ThrowsAsync<UnsupportedMediaTypeException>(() =>
            widgets.PatchAsync("w", ns, PatchType.StrategicMerge, new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 3 } }));
        var merged = await widgets.PatchAsync("w", ns, PatchType.Merge, new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 3 } });
        Assert.Equal(3, merged["spec"]!["replicas"]!.GetValue<int>());
    }
}
