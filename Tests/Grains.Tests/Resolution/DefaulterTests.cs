using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>
/// The defaulter of spec §2.2 (static defaults, promotion of <c>default</c> templates, materialisation only
/// for template-less components) and PopulateClusterDefaults of §13.2 cluster_test.go.
/// </summary>
public sealed class DefaulterTests
{
    private static readonly InMemoryTemplateSource AllDefaults = Templates(
        core: [Core("default", new CoreTemplateSpec { Multiadmin = new StatelessSpec { Replicas = 2 } })],
        cell: [CellT("default", new CellTemplateSpec { Multigateway = new MultigatewaySpec { Replicas = 2 } })],
        shard: [ShardT("default", new ShardTemplateSpec { Pools = Dict(("default", new PoolSpec { ReplicasPerCell = 4 })) })]);

    private static MultigresClusterSpec Default(MultigresClusterSpec spec, ITemplateSource? templates = null) =>
        Defaulter.Default(Cluster(spec), templates ?? InMemoryTemplateSource.Empty).Cluster.Spec;

    [Fact]
    public void Static_defaults_fill_every_static_field_of_an_empty_cluster()
    {
        var result = StaticDefaults.Populate(Spec(), InMemoryTemplateSource.Empty);

        AssertJson(
            """
            postgresPasswordSecretRef: {name: pw, key: password}
            images: {imagePullPolicy: IfNotPresent}
            logLevels: {pgctld: info, multipooler: info, multiorch: info, multiadmin: info, multigateway: info}
            topologyPruning: {enabled: true}
            durabilityPolicy: AT_LEAST_2
            pvcDeletionPolicy: {whenDeleted: Delete, whenScaled: Delete}
            backup: {type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi}}}
            databases: [{name: postgres, default: true, tablegroups: [{name: default, default: true, shards: [{name: 0-inf}]}]}]
            """,
            ToJson(result.Spec));
        Assert.Equal([HardcodedDefaults.ImplicitDefaultPoolDecision], result.Decisions);
    }

    [Fact]
    public void Static_defaults_preserve_pre_populated_fields()
    {
        var spec = Spec("a") with
        {
            Images = new ClusterImages { ImagePullPolicy = PullPolicy.Always, Multiorch = "x:1" },
            LogLevels = new ComponentLogLevels { Multiorch = LogLevel.Debug },
            TopologyPruning = new TopologyPruningConfig { Enabled = false },
            DurabilityPolicy = "MULTI_CELL_AT_LEAST_2",
            PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain },
            Backup = new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "b", Region = "r" } },
        };

        var populated = StaticDefaults.Populate(spec, InMemoryTemplateSource.Empty).Spec;

        Assert.Equal(PullPolicy.Always, populated.Images!.ImagePullPolicy);
        Assert.Equal("x:1", populated.Images.Multiorch);
        Assert.Equal(LogLevel.Debug, populated.LogLevels!.Multiorch);
        Assert.Equal(LogLevel.Info, populated.LogLevels.Pgctld);
        Assert.False(populated.TopologyPruning!.Enabled);
        Assert.Equal("MULTI_CELL_AT_LEAST_2", populated.DurabilityPolicy);
        Assert.Same(spec.PvcDeletionPolicy, populated.PvcDeletionPolicy);
        Assert.Same(spec.Backup, populated.Backup);
        Assert.Null(populated.InternalTls);
    }

    [Fact]
    public void Database_without_table_groups_gets_the_default_group_and_shard_with_an_injected_pool()
    {
        var spec = Spec("a") with { Databases = [new DatabaseConfig { Name = "postgres", IsDefault = true }] };

        var populated = StaticDefaults.Populate(spec, InMemoryTemplateSource.Empty).Spec;

        AssertJson(
            "[{name: postgres, default: true, tablegroups: [{name: default, default: true, shards: [{name: 0-inf, spec: {multiorch: {}, pools: {default: {type: readWrite}}}}]}]}]",
            ToJson(populated)!["databases"]);
    }

    [Fact]
    public void Implicit_default_shard_template_means_an_empty_pool_map_and_no_decision()
    {
        var result = StaticDefaults.Populate(Spec("a"), AllDefaults);

        var shard = result.Spec.Databases![0].TableGroups![0].Shards![0];
        Assert.Empty(shard.Spec!.Pools!);
        Assert.Empty(result.Decisions);
    }

    [Fact]
    public void Explicit_template_default_means_no_injected_pool_and_no_lookup()
    {
        var spec = Spec("a") with { TemplateDefaults = new TemplateDefaults { ShardTemplate = "x" } };

        var result = StaticDefaults.Populate(spec, new ThrowingSource());

        Assert.Empty(result.Spec.Databases![0].TableGroups![0].Shards![0].Spec!.Pools!);
        Assert.Empty(result.Decisions);
    }

    [Fact]
    public void Failed_implicit_shard_template_lookup_fails_defaulting_with_the_wrapped_message()
    {
        var e = Assert.Throws<TemplateResolutionException>(() => Defaulter.Default(Cluster(Spec("a")), new ThrowingSource()));

        Assert.Equal("failed to populate cluster defaults: failed to check for implicit shard template: boom", e.Message);
    }

    [Fact]
    public void Existing_shards_are_untouched_by_static_defaults()
    {
        var shard = new ShardConfig { Name = "0-inf", ShardTemplate = "mine" };
        var spec = Spec("a") with
        {
            Databases = [new DatabaseConfig { Name = "postgres", IsDefault = true, TableGroups = [new TableGroupConfig { Name = "default", IsDefault = true, Shards = [shard] }] }],
        };

        var populated = StaticDefaults.Populate(spec, InMemoryTemplateSource.Empty).Spec;

        Assert.Same(shard, populated.Databases![0].TableGroups![0].Shards![0]);
    }

    [Fact]
    public void Default_templates_are_promoted_and_nothing_is_materialised()
    {
        var spec = Default(Spec("a"), AllDefaults);

        AssertJson("{coreTemplate: default, cellTemplate: default, shardTemplate: default}", ToJson(spec.TemplateDefaults));
        Assert.Null(spec.GlobalTopoServer);
        Assert.Null(spec.Multiadmin);
        Assert.Null(spec.MultiadminWeb);
        Assert.Null(spec.Cells![0].Spec);
        AssertJson("{name: 0-inf, spec: {multiorch: {}, pools: {}}}", ToJson(spec.Databases![0].TableGroups![0].Shards![0]));
    }

    [Fact]
    public void Promotion_only_fills_empty_template_defaults()
    {
        var spec = Default(Spec("a") with { TemplateDefaults = new TemplateDefaults { CellTemplate = "other" } },
            Templates(cell: [CellT("other", new CellTemplateSpec()), CellT("default", new CellTemplateSpec())]));

        Assert.Equal("other", spec.TemplateDefaults!.CellTemplate);
        Assert.Null(spec.TemplateDefaults.CoreTemplate);
    }

    [Fact]
    public void Templates_per_kind_decide_materialisation_independently()
    {
        var onlyCell = Templates(cell: [CellT("default", new CellTemplateSpec())]);

        var spec = Default(Spec("a"), onlyCell);

        Assert.NotNull(spec.GlobalTopoServer!.Etcd);
        Assert.NotNull(spec.Multiadmin!.Spec);
        Assert.Null(spec.Cells![0].Spec);
        Assert.NotNull(spec.Databases![0].TableGroups![0].Shards![0].Spec!.Pools!["default"].ReplicasPerCell);
    }

    [Fact]
    public void Component_with_own_template_ref_is_left_as_a_reference()
    {
        var core = Templates(core: [Core("gold", new CoreTemplateSpec())]);
        var spec = Default(Spec("a") with
        {
            GlobalTopoServer = new GlobalTopoServerSpec { TemplateRef = "gold" },
            Multiadmin = new MultiadminConfig { TemplateRef = "gold" },
            MultiadminWeb = new MultiadminWebConfig { TemplateRef = "gold" },
            Cells = [new CellConfig { Name = "a", CellTemplate = "gold" }, new CellConfig { Name = "b" }],
        }, core);

        AssertJson("{templateRef: gold}", ToJson(spec.GlobalTopoServer));
        AssertJson("{templateRef: gold}", ToJson(spec.Multiadmin));
        AssertJson("{templateRef: gold}", ToJson(spec.MultiadminWeb));
        Assert.Null(spec.Cells![0].Spec);
        Assert.NotNull(spec.Cells[1].Spec);
    }

    [Fact]
    public void Multiadmin_inline_placement_is_kept_and_resources_materialised()
    {
        var toleration = new Toleration { Key = "admin" };
        var spec = Default(Spec("a") with
        {
            Multiadmin = new MultiadminConfig { Spec = new StatelessSpec { Replicas = 2 }, Placement = new PodPlacementSpec { Tolerations = [toleration] } },
        });

        AssertJson(
            "{spec: {replicas: 2, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}, placement: {tolerations: [{key: admin}]}}",
            ToJson(spec.Multiadmin));
    }

    [Fact]
    public void Cell_with_overrides_and_no_template_gets_spec_written_too()
    {
        var spec = Default(Spec() with
        {
            Cells = [new CellConfig { Name = "a", Overrides = new CellOverrides { Multigateway = new MultigatewaySpec { Replicas = 3 } } }],
        });

        Assert.NotNull(spec.Cells![0].Overrides);
        Assert.Equal(3, spec.Cells[0].Spec!.Multigateway!.Replicas);
    }

    [Fact]
    public void Shard_materialisation_keeps_pools_dynamic_and_uses_the_cell_count_for_replicas()
    {
        var twoCells = Default(Spec("a", "b"));
        var pool = twoCells.Databases![0].TableGroups![0].Shards![0].Spec!.Pools!["default"];

        Assert.Null(pool.Cells);
        Assert.Equal(1, pool.ReplicasPerCell);
        Assert.Null(twoCells.Databases[0].TableGroups![0].Shards![0].Spec!.Multiorch!.Cells);
    }

    [Fact]
    public void Cluster_without_cells_gets_a_materialised_shard_with_one_replica_per_cell()
    {
        var spec = Default(Spec());

        var shard = spec.Databases![0].TableGroups![0].Shards![0];
        Assert.Equal(1, shard.Spec!.Pools!["default"].ReplicasPerCell);
        Assert.Null(spec.Cells);
    }

    [Fact]
    public void Shard_inline_pvc_policy_is_kept_and_backup_is_inherited_from_the_database()
    {
        var policy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain };
        var s3 = new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "b", Region = "r" } };
        var spec = Default(Spec("a") with
        {
            Databases =
            [
                new DatabaseConfig
                {
                    Name = "postgres", IsDefault = true, Backup = s3,
                    TableGroups = [new TableGroupConfig { Name = "default", IsDefault = true, Shards = [new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { PvcDeletionPolicy = policy } }] }],
                },
            ],
        });

        var shard = spec.Databases![0].TableGroups![0].Shards![0];
        Assert.Same(policy, shard.Spec!.PvcDeletionPolicy);
        AssertJson("{type: s3, s3: {bucket: b, region: r}}", ToJson(shard.Backup));
    }

    [Fact]
    public void Resolution_errors_are_wrapped_with_the_component()
    {
        var templates = Templates(core: [Core("gold", new CoreTemplateSpec())]);
        var missingCell = Spec() with { Cells = [new CellConfig { Name = "a", Spec = new CellInlineSpec() }], TemplateDefaults = new TemplateDefaults { CellTemplate = "nope" } };
        var missingCore = Spec("a") with { Multiadmin = new MultiadminConfig { Placement = new PodPlacementSpec() }, TemplateDefaults = new TemplateDefaults { CoreTemplate = "" } };

        // A missing templateDefaults entry is a "template in use", so the components are left alone, not resolved.
        var untouched = Defaulter.Default(Cluster(missingCell), templates).Cluster.Spec;
        Assert.Null(untouched.Cells![0].Spec!.Multigateway);
        Assert.NotNull(Defaulter.Default(Cluster(missingCore), templates).Cluster.Spec.Multiadmin!.Spec);

        var badShard = Spec("a") with
        {
            Databases = [new DatabaseConfig { Name = "postgres", IsDefault = true, TableGroups = [new TableGroupConfig { Name = "default", IsDefault = true, Shards = [new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec() }] }] }],
        };
        var withBrokenShardLookup = new ShardLookupFailsAfterFirst();
        var e = Assert.Throws<TemplateResolutionException>(() => Defaulter.Default(Cluster(badShard), withBrokenShardLookup));
        Assert.StartsWith("failed to resolve shard '0-inf': failed to get ShardTemplate: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaulting_the_input_does_not_modify_it()
    {
        var input = Spec("a");
        var before = ToJson(input);

        _ = Default(input);

        AssertJson(before, ToJson(input));
    }

    private sealed class ThrowingSource : ITemplateSource
    {
        public CoreTemplate? Core(string name) => throw new TemplateSourceException("boom");

        public CellTemplate? Cell(string name) => throw new TemplateSourceException("boom");

        public ShardTemplate? Shard(string name) => throw new TemplateSourceException("boom");
    }

    /// <summary>The first shard lookup (static defaults) succeeds with "not found"; later ones fail.</summary>
    private sealed class ShardLookupFailsAfterFirst : ITemplateSource
    {
        private int _shardLookups;

        public CoreTemplate? Core(string name) => null;

        public CellTemplate? Cell(string name) => null;

        public ShardTemplate? Shard(string name) =>
            ++_shardLookups == 1 ? null : throw new TemplateSourceException("timeout");
    }
}

/// <summary>Spec §16.41: the webhook persists the single-cell replicas once; the controller alone would recompute it.</summary>
public sealed class SingleCellReplicasQuirkTests
{
    [Fact]
    public void Persisted_two_replicas_survive_adding_a_cell_while_an_undefaulted_spec_recomputes_one()
    {
        var defaulted = Defaulter.Default(Cluster(Spec("a")), InMemoryTemplateSource.Empty).Cluster.Spec;
        var grown = defaulted with { Cells = [.. defaulted.Cells!, new CellConfig { Name = "b", ZoneId = "z" }] };

        var regrown = Defaulter.Default(Cluster(grown), InMemoryTemplateSource.Empty).Cluster.Spec;
        var persisted = regrown.Databases![0].TableGroups![0].Shards![0].Spec!.Pools!["default"];
        Assert.Equal(2, persisted.ReplicasPerCell);

        var undefaulted = StaticDefaults.Populate(Spec("a", "b"), InMemoryTemplateSource.Empty).Spec;
        var shard = ShardResolver.ResolveShard(
            undefaulted, undefaulted.Databases![0].TableGroups![0].Shards![0],
            new ShardResolveOptions(["a", "b"], null, MaterializeCellDefaults: true), InMemoryTemplateSource.Empty);
        Assert.Equal(1, shard.Pools["default"].ReplicasPerCell);
        Assert.Equal(["a", "b"], shard.Pools["default"].Cells!);
    }
}
