using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>ResolveCell and the cell merge (spec §2.3–2.4, §13.2 cell_test.go and buffer_defaults_test.go).</summary>
public sealed class CellResolverTests
{
    private static readonly Toleration Tol = new() { Key = "gw", Operator = "Exists" };

    private static readonly InMemoryTemplateSource SmallLarge = Templates(cell:
    [
        CellT("small", new CellTemplateSpec { Multigateway = new MultigatewaySpec { Replicas = 1 } }),
        CellT("large", new CellTemplateSpec
        {
            Multigateway = new MultigatewaySpec { Replicas = 5, PodAnnotations = Dict(("a", "t")) },
            MultigatewayPlacement = new PodPlacementSpec { Tolerations = [Tol] },
            LocalTopoServer = new LocalTopoServerSpec { Etcd = new EtcdSpec { Replicas = 1 } },
        }),
    ]);

    /// <summary>The upstream integration test "4-Level Override Precedence" (spec §2.3).</summary>
    [Theory]
    [InlineData("zone-a", 1)]
    [InlineData("zone-b", 5)]
    [InlineData("zone-c", 3)]
    [InlineData("zone-d", 9)]
    public void Four_level_override_precedence(string cellName, int expectedReplicas)
    {
        var spec = Spec() with
        {
            TemplateDefaults = new TemplateDefaults { CellTemplate = "small" },
            Cells =
            [
                new CellConfig { Name = "zone-a" },
                new CellConfig { Name = "zone-b", CellTemplate = "large" },
                new CellConfig { Name = "zone-c", CellTemplate = "large", Overrides = new CellOverrides { Multigateway = new MultigatewaySpec { Replicas = 3 } } },
                new CellConfig { Name = "zone-d", Spec = new CellInlineSpec { Multigateway = new MultigatewaySpec { Replicas = 9 } } },
            ],
        };
        var cell = spec.Cells!.Single(c => c.Name == cellName);

        var resolved = CellResolver.ResolveCell(spec, cell, SmallLarge);

        Assert.Equal(expectedReplicas, resolved.Multigateway.Replicas);
        AssertJson("{requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}", ToJson(resolved.Multigateway.Resources));
    }

    [Fact]
    public void No_template_anywhere_gives_gateway_defaults_and_buffering_on()
    {
        var resolved = CellResolver.ResolveCell(Spec("a"), new CellConfig { Name = "a" }, InMemoryTemplateSource.Empty);

        AssertJson(
            "{replicas: 1, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}, buffer: {enabled: true}}",
            ToJson(resolved.Multigateway));
        Assert.Null(resolved.MultigatewayPlacement);
        Assert.Null(resolved.LocalTopoServer);
    }

    [Fact]
    public void Implicit_default_template_is_used_when_found_and_missing_explicit_is_an_error()
    {
        var withDefault = Templates(cell: [CellT("default", new CellTemplateSpec { Multigateway = new MultigatewaySpec { Replicas = 4 } })]);
        Assert.Equal(4, CellResolver.ResolveCell(Spec("a"), new CellConfig { Name = "a" }, withDefault).Multigateway.Replicas);

        var e = Assert.Throws<TemplateResolutionException>(() =>
            CellResolver.ResolveCell(Spec("a"), new CellConfig { Name = "a", CellTemplate = "nope" }, withDefault));
        Assert.StartsWith("referenced CellTemplate 'nope' not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_buffer_false_is_kept_and_other_buffer_fields_are_not_defaulted()
    {
        var resolved = CellResolver.Merge("a", null, null, new CellInlineSpec
        {
            Multigateway = new MultigatewaySpec { Buffer = new GatewayBufferConfig { Enabled = false, Window = "20s" } },
        });

        AssertJson("{enabled: false, window: 20s}", ToJson(resolved.Multigateway.Buffer));
    }

    [Fact]
    public void Buffer_merges_per_field_across_template_overrides_and_inline()
    {
        var template = new CellTemplateSpec { Multigateway = new MultigatewaySpec { Buffer = new GatewayBufferConfig { Window = "10s", Size = 100 } } };
        var overrides = new CellOverrides { Multigateway = new MultigatewaySpec { Buffer = new GatewayBufferConfig { Size = 200 } } };

        var resolved = CellResolver.Merge("a", template, overrides, null);

        AssertJson("{enabled: true, window: 10s, size: 200}", ToJson(resolved.Multigateway.Buffer));
    }

    [Fact]
    public void Annotations_union_and_inline_priority_over_overrides()
    {
        var template = SmallLarge.Cell("large")!.Spec;
        var overrides = new CellOverrides { Multigateway = new MultigatewaySpec { Replicas = 3, PodAnnotations = Dict(("b", "o")) } };
        var inline = new CellInlineSpec { Multigateway = new MultigatewaySpec { Replicas = 8, PodAnnotations = Dict(("b", "i")) } };

        var resolved = CellResolver.Merge("a", template, overrides, inline);

        Assert.Equal(8, resolved.Multigateway.Replicas);
        AssertJson("{a: t, b: i}", ToJson(resolved.Multigateway)!["podAnnotations"]);
    }

    [Fact]
    public void Placement_is_replaced_by_each_layer_and_cleared_by_an_empty_object()
    {
        var template = SmallLarge.Cell("large")!.Spec;

        Assert.Equal([Tol], CellResolver.Merge("a", template, null, null).MultigatewayPlacement!.Tolerations!);
        AssertJson("{}", ToJson(CellResolver.Merge("a", template, new CellOverrides { MultigatewayPlacement = new PodPlacementSpec() }, null).MultigatewayPlacement));
        var other = new Toleration { Key = "other" };
        Assert.Equal([other], CellResolver.Merge("a", template, null, new CellInlineSpec { MultigatewayPlacement = new PodPlacementSpec { Tolerations = [other] } }).MultigatewayPlacement!.Tolerations!);
    }

    [Fact]
    public void Local_topo_gets_etcd_defaults_rooted_at_the_cell_and_inline_replaces_wholesale()
    {
        var template = SmallLarge.Cell("large")!.Spec;

        var fromTemplate = CellResolver.Merge("zone-b", template, null, null).LocalTopoServer;
        AssertJson(
            """
            {etcd: {image: gcr.io/etcd-development/etcd:v3.6.7, replicas: 1, rootPath: /multigres/zone-b,
                    resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 512Mi}}, storage: {size: 1Gi}}}
            """,
            ToJson(fromTemplate));

        var inline = new CellInlineSpec { LocalTopoServer = new LocalTopoServerSpec { External = new ExternalTopoServerSpec { Endpoints = ["https://e:2379"] } } };
        AssertJson(
            "{external: {endpoints: ['https://e:2379'], implementation: etcd, rootPath: /multigres/zone-b}}",
            ToJson(CellResolver.Merge("zone-b", template, null, inline).LocalTopoServer));
    }

    [Fact]
    public void Nil_template_and_nil_layers_still_resolve()
    {
        var resolved = CellResolver.Merge("a", null, null, null);

        Assert.Equal(1, resolved.Multigateway.Replicas);
        Assert.True(resolved.Multigateway.Buffer!.Enabled);
    }
}
