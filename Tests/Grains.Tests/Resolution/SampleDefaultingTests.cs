using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Tests.Shared;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>
/// Each shipped sample defaulted with the templates it is meant to be applied with behaves as spec §15
/// describes; for every sample the mutation patch applied to the sample gives the defaulted spec, and
/// defaulting again changes nothing.
/// </summary>
public sealed class SampleDefaultingTests
{
    /// <summary>Cluster sample → template folders applied with it ("" for none).</summary>
    public static TheoryData<string, string> Combinations => new()
    {
        { "minimal.yaml", "" },
        { "minimal.yaml", "default-templates" },
        { "no-templates.yaml", "" },
        { "templated-cluster.yaml", "templates" },
        { "overrides.yaml", "templates" },
        { "external-etcd.yaml", "" },
        { "topology.yaml", "" },
        { "topology.yaml", "default-templates" },
        { "eks-multi-az.yaml", "" },
    };

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Patch_applied_to_the_sample_gives_the_defaulted_spec_and_defaulting_is_idempotent(string sample, string templateFolder)
    {
        var (incoming, templates) = Load(sample, templateFolder);

        var first = MutationPatch.Compute(incoming, templates);
        AssertJson(MutationPatch.SpecJson(first.Defaulted), JsonPatchApply.Apply(incoming, first.Patch)!["spec"]);

        var again = MutationPatch.Compute((JsonObject)ToJson(first.Defaulted)!, templates);
        Assert.Empty(again.Patch);
    }

    [Fact]
    public void Minimal_without_templates_materialises_everything_and_the_single_cell_pool_gets_two_replicas()
    {
        var (incoming, templates) = Load("minimal.yaml", "");

        var result = MutationPatch.Compute(incoming, templates);

        var spec = result.Defaulted.Spec;
        var pool = spec.Databases![0].TableGroups![0].Shards![0].Spec!.Pools!["default"];
        Assert.Equal(2, pool.ReplicasPerCell);
        Assert.Null(pool.Cells);
        Assert.Equal(PoolType.ReadWrite, pool.Type);
        Assert.True(spec.Cells![0].Spec!.Multigateway!.Buffer!.Enabled);
        Assert.Equal(3, spec.GlobalTopoServer!.Etcd!.Replicas);
        Assert.Equal(1, spec.Multiadmin!.Spec!.Replicas);
        Assert.Null(spec.TemplateDefaults);
        Assert.Equal([HardcodedDefaults.ImplicitDefaultPoolDecision], result.Decisions);
    }

    [Fact]
    public void Minimal_with_the_default_templates_promotes_them_and_materialises_no_component()
    {
        var (incoming, templates) = Load("minimal.yaml", "default-templates");

        var result = MutationPatch.Compute(incoming, templates);

        var spec = result.Defaulted.Spec;
        AssertJson("{coreTemplate: default, cellTemplate: default, shardTemplate: default}", ToJson(spec.TemplateDefaults));
        Assert.Null(spec.GlobalTopoServer);
        Assert.Null(spec.Multiadmin);
        Assert.Null(spec.MultiadminWeb);
        Assert.Null(spec.Cells![0].Spec);
        AssertJson("{name: 0-inf, spec: {multiorch: {}, pools: {}}}", ToJson(spec.Databases![0].TableGroups![0].Shards![0]));
        Assert.Empty(result.Decisions);
    }

    [Fact]
    public void Eks_multi_az_materialises_only_log_levels_and_topology_pruning()
    {
        var (incoming, templates) = Load("eks-multi-az.yaml", "");

        var result = MutationPatch.Compute(incoming, templates);

        AssertJson(
            """
            - {op: add, path: /spec/logLevels, value: {pgctld: info, multipooler: info, multiorch: info, multiadmin: info, multigateway: info}}
            - {op: add, path: /spec/topologyPruning, value: {enabled: true}}
            """,
            Sorted(result.Patch));
        Assert.Empty(result.Decisions);
        Assert.Equal(PullPolicy.Always, result.Defaulted.Spec.Images!.ImagePullPolicy);
    }

    [Fact]
    public void Eks_multi_az_resolves_its_pool_from_template_plus_inline_over_three_cells()
    {
        var (incoming, templates) = Load("eks-multi-az.yaml", "");
        var spec = Defaulter.Default(incoming.Deserialize(), templates).Cluster.Spec;
        var db = spec.Databases![0];
        var tg = db.TableGroups![0];
        var options = new ShardResolveOptions(spec.Cells!.Select(c => c.Name).ToList(), ShardResolver.InheritedBackup(spec, db, tg), MaterializeCellDefaults: true);

        var shard = ShardResolver.ResolveShard(spec, tg.Shards![0], options, templates);

        var pool = shard.Pools["default"];
        Assert.Equal(1, pool.ReplicasPerCell);
        Assert.Equal(["zone-a", "zone-b", "zone-d"], pool.Cells!);
        Assert.Equal("10Gi", pool.Storage!.Size);
        AssertJson("{requests: {cpu: 250m, memory: 512Mi}, limits: {memory: 1Gi}}", ToJson(pool.Postgres!.Resources));
        Assert.Equal(BackupType.S3, shard.Backup.Type);
        Assert.Equal("multigres-backup", shard.Backup.S3!.ServiceAccountName);
        Assert.True(CellResolver.ResolveCell(spec, spec.Cells![0], templates).Multigateway.Buffer!.Enabled);
    }

    [Fact]
    public void Templated_cluster_keeps_every_component_as_a_template_reference()
    {
        var (incoming, templates) = Load("templated-cluster.yaml", "templates");

        var result = MutationPatch.Compute(incoming, templates);

        AssertJson(
            "[/spec/backup, /spec/durabilityPolicy, /spec/images, /spec/logLevels, /spec/pvcDeletionPolicy, /spec/topologyPruning]",
            new JsonArray(Sorted(result.Patch).Select(op => JsonValue.Create((string)op!["path"]!)).ToArray<JsonNode?>()));
        var shard = ShardResolver.ResolveShard(
            result.Defaulted.Spec, result.Defaulted.Spec.Databases![0].TableGroups![0].Shards![0],
            new ShardResolveOptions(["az1", "az2"], null, MaterializeCellDefaults: true), templates);
        Assert.Equal(["az1", "az2"], shard.Pools["main-app"].Cells!);
        Assert.Equal(4, shard.Pools["main-app"].ReplicasPerCell);
    }

    [Fact]
    public void No_templates_keeps_every_inline_value_and_fills_the_rest()
    {
        var (incoming, templates) = Load("no-templates.yaml", "");

        var spec = MutationPatch.Compute(incoming, templates).Defaulted.Spec;

        var gateway = spec.Cells![0].Spec!.Multigateway!;
        Assert.Equal(2, gateway.Replicas);
        AssertJson("{enabled: true, window: 20s, maxFailoverDuration: 20s}", ToJson(gateway.Buffer));
        Assert.Equal("10Gi", spec.GlobalTopoServer!.Etcd!.Storage!.Size);
        Assert.Equal("/multigres/global", spec.GlobalTopoServer.Etcd.RootPath);
        Assert.Equal(2, spec.Multiadmin!.Spec!.Replicas);
        Assert.Equal(1, spec.MultiadminWeb!.Spec!.Replicas);
        var pool = spec.Databases![0].TableGroups![0].Shards![0].Spec!.Pools!["main"];
        Assert.Equal(5, pool.ReplicasPerCell);
        Assert.Equal("100Gi", pool.Storage!.Size);
    }

    [Fact]
    public void Overrides_sample_keeps_the_inline_etcd_as_written_because_a_core_template_is_in_use()
    {
        var (incoming, templates) = Load("overrides.yaml", "templates");

        var spec = MutationPatch.Compute(incoming, templates).Defaulted.Spec;

        AssertJson("{etcd: {replicas: 5}}", ToJson(spec.GlobalTopoServer));
        var resolved = GlobalResolver.ResolveGlobalTopo(spec, templates);
        Assert.Equal(5, resolved.Etcd!.Replicas);
        Assert.Equal("standard", resolved.Etcd.Storage!.Class);
    }

    [Fact]
    public void External_etcd_defaults_the_external_global_topo_and_roots_the_local_etcd_at_its_cell()
    {
        var (incoming, templates) = Load("external-etcd.yaml", "");

        var spec = MutationPatch.Compute(incoming, templates).Defaulted.Spec;

        AssertJson(
            "{external: {endpoints: ['http://external-etcd-service.default.svc:2379'], rootPath: /multigres/global, implementation: etcd}}",
            ToJson(spec.GlobalTopoServer));
        var isolated = spec.Cells!.Single(c => c.Name == "zone-b-isolated").Spec!;
        Assert.Equal("/multigres/zone-b-isolated", isolated.LocalTopoServer!.Etcd!.RootPath);
        Assert.Equal("standard", isolated.LocalTopoServer.Etcd.Storage!.Class);
        Assert.Equal(2, isolated.Multigateway!.Replicas);
        Assert.Null(spec.Cells!.Single(c => c.Name == "zone-a").Spec!.LocalTopoServer);
    }

    [Fact]
    public void Topology_keeps_its_three_cell_pool_and_turns_buffering_on_in_every_gateway()
    {
        var (incoming, templates) = Load("topology.yaml", "");

        var spec = MutationPatch.Compute(incoming, templates).Defaulted.Spec;

        var pool = spec.Databases![0].TableGroups![0].Shards![0].Spec!.Pools!["main"];
        Assert.Equal(3, pool.ReplicasPerCell);
        Assert.Equal(["z1", "z2", "z3"], pool.Cells!);
        Assert.All(spec.Cells!, c => Assert.True(c.Spec!.Multigateway!.Buffer!.Enabled));
        Assert.All(spec.Cells!, c => Assert.Equal(2, c.Spec!.Multigateway!.Replicas));
    }

    private static (JsonObject Cluster, ITemplateSource Templates) Load(string sample, string templateFolder)
    {
        var manifests = ManifestReader.ReadAll(File.ReadAllText(Path.Combine(RepositoryPaths.Samples, sample))).ToList();
        if (templateFolder.Length > 0)
        {
            foreach (var file in RepositoryPaths.YamlFiles(Path.Combine(RepositoryPaths.Samples, templateFolder)))
                manifests.AddRange(ManifestReader.ReadAll(File.ReadAllText(Path.Combine(RepositoryPaths.Samples, templateFolder, file))));
        }
        var cluster = manifests.Single(m => m.Object is MultigresCluster);
        var templates = new InMemoryTemplateSource(
            manifests.Select(m => m.Object).OfType<CoreTemplate>(),
            manifests.Select(m => m.Object).OfType<CellTemplate>(),
            manifests.Select(m => m.Object).OfType<ShardTemplate>());
        return ((JsonObject)cluster.Json.DeepClone(), templates);
    }

    private static JsonArray Sorted(JsonArray patch) =>
        new(patch.OrderBy(op => (string)op!["path"]!, StringComparer.Ordinal).Select(op => op!.DeepClone()).ToArray());
}

internal static class SampleJsonExtensions
{
    public static MultigresCluster Deserialize(this JsonObject json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, MultigresJsonContext.Default.MultigresCluster)!;
}
