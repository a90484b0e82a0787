using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>ResolveGlobalTopo, ResolveMultiadmin and ResolveMultiadminWeb (spec §2.3–2.5, §13.2 cluster_test.go).</summary>
public sealed class GlobalResolverTests
{
    private static readonly Toleration Tol = new() { Key = "dedicated", Operator = "Exists" };

    private static readonly CoreTemplate Gold = Core("gold", new CoreTemplateSpec
    {
        GlobalTopoServer = new TopoServerSpec
        {
            Etcd = new EtcdSpec { Replicas = 5, Storage = new StorageSpec { Size = "10Gi", Class = "standard", AccessModes = ["ReadWriteOnce"] }, Image = "etcd:gold" },
            PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain },
            Placement = new PodPlacementSpec { Tolerations = [Tol] },
        },
        Multiadmin = new StatelessSpec { Replicas = 2, PodLabels = Dict(("tier", "gold")) },
        MultiadminPlacement = new PodPlacementSpec { Tolerations = [Tol] },
        MultiadminWeb = new StatelessSpec { Replicas = 3 },
    });

    private static readonly CoreTemplate Default = Core("default", new CoreTemplateSpec
    {
        GlobalTopoServer = new TopoServerSpec { Etcd = new EtcdSpec { Replicas = 1 } },
        Multiadmin = new StatelessSpec { Replicas = 4 },
    });

    private const string EtcdDefaults = """
        {etcd: {image: gcr.io/etcd-development/etcd:v3.6.7, replicas: 3, rootPath: /multigres/global,
                resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 512Mi}}, storage: {size: 1Gi}}}
        """;

    [Fact]
    public void Global_topo_without_anything_is_the_hardcoded_etcd()
    {
        AssertJson(EtcdDefaults, ToJson(GlobalResolver.ResolveGlobalTopo(Spec("a"), InMemoryTemplateSource.Empty)));
    }

    [Fact]
    public void Global_topo_inline_etcd_wins_over_defaults()
    {
        var spec = Spec("a") with { GlobalTopoServer = new GlobalTopoServerSpec { Etcd = new EtcdSpec { Replicas = 5, RootPath = "/x" } } };

        var topo = GlobalResolver.ResolveGlobalTopo(spec, InMemoryTemplateSource.Empty);

        Assert.Equal(5, topo.Etcd!.Replicas);
        Assert.Equal("/x", topo.Etcd.RootPath);
        Assert.Equal(DefaultImages.Etcd, topo.Etcd.Image);
    }

    [Fact]
    public void Global_topo_from_explicit_template_ref_keeps_template_fields_and_defaults_the_rest()
    {
        var spec = Spec("a") with { GlobalTopoServer = new GlobalTopoServerSpec { TemplateRef = "gold" } };

        AssertJson(
            """
            {etcd: {image: 'etcd:gold', replicas: 5, rootPath: /multigres/global,
                    resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 512Mi}},
                    storage: {size: 10Gi, class: standard, accessModes: [ReadWriteOnce]}},
             pvcDeletionPolicy: {whenDeleted: Retain}, placement: {tolerations: [{key: dedicated, operator: Exists}]}}
            """,
            ToJson(GlobalResolver.ResolveGlobalTopo(spec, Templates(core: [Gold]))));
    }

    [Fact]
    public void Global_topo_partial_storage_override_keeps_template_size_class_and_modes()
    {
        var spec = Spec("a") with
        {
            TemplateDefaults = new TemplateDefaults { CoreTemplate = "gold" },
            GlobalTopoServer = new GlobalTopoServerSpec { Etcd = new EtcdSpec { Storage = new StorageSpec { AccessModes = ["ReadWriteMany"] } } },
        };

        var storage = GlobalResolver.ResolveGlobalTopo(spec, Templates(core: [Gold])).Etcd!.Storage!;

        Assert.Equal("10Gi", storage.Size);
        Assert.Equal("standard", storage.Class);
        Assert.Equal(["ReadWriteMany"], storage.AccessModes!);
    }

    [Fact]
    public void Global_topo_uses_cluster_template_default_then_implicit_default()
    {
        var viaDefaults = Spec("a") with { TemplateDefaults = new TemplateDefaults { CoreTemplate = "gold" } };
        Assert.Equal(5, GlobalResolver.ResolveGlobalTopo(viaDefaults, Templates(core: [Gold, Default])).Etcd!.Replicas);
        Assert.Equal(1, GlobalResolver.ResolveGlobalTopo(Spec("a"), Templates(core: [Gold, Default])).Etcd!.Replicas);
    }

    [Fact]
    public void Global_topo_missing_explicit_template_is_an_error()
    {
        var spec = Spec("a") with { GlobalTopoServer = new GlobalTopoServerSpec { TemplateRef = "nope" } };

        var e = Assert.Throws<TemplateResolutionException>(() => GlobalResolver.ResolveGlobalTopo(spec, InMemoryTemplateSource.Empty));
        Assert.StartsWith("referenced CoreTemplate 'nope' not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Global_topo_external_drops_etcd_and_gets_external_defaults()
    {
        var spec = Spec("a") with
        {
            TemplateDefaults = new TemplateDefaults { CoreTemplate = "gold" },
            GlobalTopoServer = new GlobalTopoServerSpec { External = new ExternalTopoServerSpec { Endpoints = ["http://etcd:2379"] } },
        };

        AssertJson(
            """
            {external: {endpoints: ['http://etcd:2379'], implementation: etcd, rootPath: /multigres/global},
             pvcDeletionPolicy: {whenDeleted: Retain}, placement: {tolerations: [{key: dedicated, operator: Exists}]}}
            """,
            ToJson(GlobalResolver.ResolveGlobalTopo(spec, Templates(core: [Gold]))));
    }

    [Fact]
    public void Global_topo_spec_level_pvc_policy_and_placement_replace_the_templates()
    {
        var spec = Spec("a") with
        {
            GlobalTopoServer = new GlobalTopoServerSpec
            {
                TemplateRef = "gold",
                PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete, WhenScaled = PVCRetentionPolicyType.Retain },
                Placement = new PodPlacementSpec(),
            },
        };

        var topo = GlobalResolver.ResolveGlobalTopo(spec, Templates(core: [Gold]));

        AssertJson("{whenDeleted: Delete, whenScaled: Retain}", ToJson(topo.PvcDeletionPolicy));
        AssertJson("{}", ToJson(topo.Placement));
    }

    [Fact]
    public void Multiadmin_without_anything_is_the_hardcoded_default()
    {
        var resolved = GlobalResolver.ResolveMultiadmin(Spec("a"), InMemoryTemplateSource.Empty);

        AssertJson("{replicas: 1, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}", ToJson(resolved.Spec));
        Assert.Null(resolved.Placement);
    }

    [Fact]
    public void Multiadmin_inline_merges_over_the_template_and_placement_follows_the_chain()
    {
        var spec = Spec("a") with
        {
            TemplateDefaults = new TemplateDefaults { CoreTemplate = "gold" },
            Multiadmin = new MultiadminConfig { Spec = new StatelessSpec { Replicas = 9, PodLabels = Dict(("x", "y")) } },
        };

        var resolved = GlobalResolver.ResolveMultiadmin(spec, Templates(core: [Gold]));

        AssertJson(
            "{replicas: 9, podLabels: {tier: gold, x: 'y'}, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}",
            ToJson(resolved.Spec));
        AssertJson("{tolerations: [{key: dedicated, operator: Exists}]}", ToJson(resolved.Placement));

        var cleared = spec with { Multiadmin = spec.Multiadmin with { Placement = new PodPlacementSpec() } };
        AssertJson("{}", ToJson(GlobalResolver.ResolveMultiadmin(cleared, Templates(core: [Gold])).Placement));
    }

    [Fact]
    public void Multiadmin_template_ref_missing_is_an_error_and_fallback_is_defaults()
    {
        var missing = Spec("a") with { Multiadmin = new MultiadminConfig { TemplateRef = "nope" } };
        Assert.Throws<TemplateResolutionException>(() => GlobalResolver.ResolveMultiadmin(missing, InMemoryTemplateSource.Empty));
        Assert.Throws<TemplateResolutionException>(() => GlobalResolver.ResolveMultiadminWeb(
            Spec("a") with { MultiadminWeb = new MultiadminWebConfig { TemplateRef = "nope" } }, InMemoryTemplateSource.Empty));

        Assert.Equal(4, GlobalResolver.ResolveMultiadmin(Spec("a"), Templates(core: [Default])).Spec.Replicas);
    }

    [Fact]
    public void Multiadmin_web_template_then_inline_then_defaults()
    {
        var fromTemplate = Spec("a") with { MultiadminWeb = new MultiadminWebConfig { TemplateRef = "gold" } };
        AssertJson(
            "{replicas: 3, resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}}",
            ToJson(GlobalResolver.ResolveMultiadminWeb(fromTemplate, Templates(core: [Gold]))));

        var inline = Spec("a") with
        {
            TemplateDefaults = new TemplateDefaults { CoreTemplate = "gold" },
            MultiadminWeb = new MultiadminWebConfig { Spec = new StatelessSpec { Resources = Res("1", "1Gi") } },
        };
        AssertJson(
            "{replicas: 3, resources: {requests: {cpu: '1', memory: 1Gi}}}",
            ToJson(GlobalResolver.ResolveMultiadminWeb(inline, Templates(core: [Gold]))));
    }
}
