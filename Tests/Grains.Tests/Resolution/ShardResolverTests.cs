using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>ResolveShard and the shard merge (spec §2.3–2.5, §13.2 shard_test.go).</summary>
public sealed class ShardResolverTests
{
    private static readonly ShardResolveOptions NoContext = new([], null, MaterializeCellDefaults: false);

    private static readonly ShardTemplateSpec Standard = new()
    {
        Multiorch = new MultiorchSpec { Replicas = 2, Resources = Res("100m", "128Mi", "256Mi") },
        InitdbArgs = "--data-checksums",
        PostgresConfigRef = new PostgresConfigRef { Name = "cm", Key = "t" },
        PostgresConfig = Dict(("work_mem", "4MB"), ("max_connections", "100")),
        PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain },
        Pools = Dict(("main-app", new PoolSpec
        {
            Type = PoolType.ReadWrite,
            ReplicasPerCell = 4,
            Storage = new StorageSpec { Size = "100Gi", Class = "standard" },
            Postgres = new ContainerConfig { Resources = Res("100m", "256Mi", "512Mi"), RunAsUser = 999, RunAsGroup = 999 },
            FsGroup = 999,
        })),
    };

    private static readonly InMemoryTemplateSource Source = Templates(shard: [ShardT("standard", Standard)]);

    [Fact]
    public void Template_found_by_explicit_ref_or_cluster_default_and_missing_is_an_error()
    {
        var viaRef = ShardResolver.ResolveShard(Spec("a"), new ShardConfig { Name = "0-inf", ShardTemplate = "standard" }, NoContext, Source);
        var viaDefault = ShardResolver.ResolveShard(
            Spec("a") with { TemplateDefaults = new TemplateDefaults { ShardTemplate = "standard" } }, new ShardConfig { Name = "0-inf" }, NoContext, Source);

        Assert.Equal(["main-app"], viaRef.Pools.Keys);
        Assert.Equal(["main-app"], viaDefault.Pools.Keys);
        var e = Assert.Throws<TemplateResolutionException>(() =>
            ShardResolver.ResolveShard(Spec("a"), new ShardConfig { Name = "0-inf", ShardTemplate = "nope" }, NoContext, Source));
        Assert.StartsWith("referenced ShardTemplate 'nope' not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_then_overrides_then_inline_with_pool_deep_merge_and_new_pools()
    {
        var shard = new ShardConfig
        {
            Name = "0-inf",
            Overrides = new ShardOverrides
            {
                Multiorch = new MultiorchSpec { Replicas = 3 },
                InitdbArgs = "--from-overrides",
                Pools = Dict(
                    ("main-app", new PoolSpec { Storage = new StorageSpec { Size = "200Gi" }, Postgres = new ContainerConfig { RunAsUser = 1000 } }),
                    ("analytics", new PoolSpec { Type = PoolType.ReadWrite, ReplicasPerCell = 4, Storage = new StorageSpec { Size = "50Gi" } })),
            },
        };

        var resolved = ShardResolver.Resolve(Standard, shard, NoContext);

        Assert.Equal(3, resolved.Multiorch.Replicas);
        Assert.Equal("--from-overrides", resolved.InitdbArgs);
        AssertJson(
            """
            {type: readWrite, replicasPerCell: 4, fsGroup: 999, storage: {size: 200Gi, class: standard},
             postgres: {resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 512Mi}}, runAsUser: 1000, runAsGroup: 999},
             multipooler: {resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}}
            """,
            ToJson(resolved.Pools["main-app"]));
        AssertJson(
            """
            {type: readWrite, replicasPerCell: 4, storage: {size: 50Gi},
             postgres: {resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 512Mi}}},
             multipooler: {resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}}
            """,
            ToJson(resolved.Pools["analytics"]));
    }

    [Theory]
    [InlineData(null, null, null, "--data-checksums")]
    [InlineData("--o", null, null, "--o")]
    [InlineData("--o", "--i", null, "--i")]
    [InlineData(null, "", null, "--data-checksums")]
    public void Initdb_args_are_the_last_non_empty_layer(string? overrides, string? inline, string? unused, string expected)
    {
        _ = unused;
        var shard = new ShardConfig
        {
            Name = "0-inf",
            Overrides = overrides is null ? null : new ShardOverrides { InitdbArgs = overrides },
            Spec = inline is null ? null : new ShardInlineSpec { InitdbArgs = inline },
        };

        Assert.Equal(expected, ShardResolver.Resolve(Standard, shard, NoContext).InitdbArgs);
    }

    [Fact]
    public void Postgres_config_ref_is_the_last_non_nil_layer()
    {
        var o = new PostgresConfigRef { Name = "o", Key = "k" };
        var i = new PostgresConfigRef { Name = "i", Key = "k" };

        Assert.Equal("cm", ShardResolver.Resolve(Standard, new ShardConfig { Name = "0-inf" }, NoContext).PostgresConfigRef!.Name);
        Assert.Equal("o", ShardResolver.Resolve(Standard, new ShardConfig { Name = "0-inf", Overrides = new ShardOverrides { PostgresConfigRef = o } }, NoContext).PostgresConfigRef!.Name);
        Assert.Equal("i", ShardResolver.Resolve(Standard, new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { PostgresConfigRef = i } }, NoContext).PostgresConfigRef!.Name);
    }

    [Fact]
    public void Postgres_config_merges_per_key_across_the_three_layers()
    {
        var shard = new ShardConfig
        {
            Name = "0-inf",
            Overrides = new ShardOverrides { PostgresConfig = Dict(("work_mem", "8MB"), ("shared_buffers", "1GB")) },
            Spec = new ShardInlineSpec { PostgresConfig = Dict(("work_mem", "16MB")) },
        };

        var config = ShardResolver.Resolve(Standard, shard, NoContext).PostgresConfig!;

        Assert.Equal(
            new Dictionary<string, string>(StringComparer.Ordinal) { ["work_mem"] = "16MB", ["shared_buffers"] = "1GB", ["max_connections"] = "100" },
            config.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        Assert.Null(ShardResolver.Resolve(null, new ShardConfig { Name = "0-inf" }, NoContext).PostgresConfig);
    }

    [Fact]
    public void Pvc_policy_is_the_templates_unless_inline_sets_one()
    {
        var inlinePolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete };

        Assert.Equal(PVCRetentionPolicyType.Retain, ShardResolver.Resolve(Standard, new ShardConfig { Name = "0-inf" }, NoContext).PvcDeletionPolicy!.WhenDeleted);
        Assert.Equal(inlinePolicy, ShardResolver.Resolve(Standard, new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { PvcDeletionPolicy = inlinePolicy } }, NoContext).PvcDeletionPolicy);
    }

    [Fact]
    public void Zero_pools_give_a_default_readwrite_pool_with_the_orchestrator_cells()
    {
        var options = new ShardResolveOptions(["b", "a"], null, MaterializeCellDefaults: true);
        var shard = new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { Multiorch = new MultiorchSpec { Cells = ["b"] } } };

        var resolved = ShardResolver.Resolve(null, shard, options);

        Assert.Equal(["default"], resolved.Pools.Keys);
        Assert.Equal(PoolType.ReadWrite, resolved.Pools["default"].Type);
        Assert.Equal(["b"], resolved.Pools["default"].Cells!);
        Assert.Equal(2, resolved.Pools["default"].ReplicasPerCell);
    }

    [Fact]
    public void Materialising_injects_all_cluster_cells_sorted_into_empty_cell_lists()
    {
        var options = new ShardResolveOptions(["z3", "z1", "z2"], null, MaterializeCellDefaults: true);
        var shard = new ShardConfig
        {
            Name = "0-inf",
            Spec = new ShardInlineSpec { Pools = Dict(("p", new PoolSpec()), ("q", new PoolSpec { Cells = ["z2"] })) },
        };

        var resolved = ShardResolver.Resolve(null, shard, options);

        Assert.Equal(["z1", "z2", "z3"], resolved.Multiorch.Cells!);
        Assert.Equal(["z1", "z2", "z3"], resolved.Pools["p"].Cells!);
        Assert.Equal(["z2"], resolved.Pools["q"].Cells!);
    }

    [Fact]
    public void Not_materialising_leaves_cell_lists_empty()
    {
        var options = new ShardResolveOptions(["z1", "z2"], null, MaterializeCellDefaults: false);

        var resolved = ShardResolver.Resolve(null, new ShardConfig { Name = "0-inf" }, options);

        Assert.Null(resolved.Multiorch.Cells);
        Assert.Null(resolved.Pools["default"].Cells);
    }

    /// <summary>Spec §2.5 pool replicas rule.</summary>
    [Theory]
    [InlineData(new string[0], new string[0], 1)]
    [InlineData(new[] { "a" }, new string[0], 2)]
    [InlineData(new[] { "a", "b" }, new string[0], 1)]
    [InlineData(new[] { "a", "b", "c" }, new[] { "a" }, 2)]
    [InlineData(new[] { "a" }, new[] { "a", "b" }, 1)]
    public void Replicas_per_cell_default_is_two_only_for_exactly_one_effective_cell(string[] clusterCells, string[] poolCells, int expected)
    {
        var pool = new PoolSpec { Cells = poolCells.Length == 0 ? null : poolCells };
        var shard = new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { Pools = Dict(("p", pool)) } };

        var resolved = ShardResolver.Resolve(null, shard, new ShardResolveOptions(clusterCells, null, MaterializeCellDefaults: false));

        Assert.Equal(expected, resolved.Pools["p"].ReplicasPerCell);
    }

    [Fact]
    public void Explicit_replicas_per_cell_is_kept_on_a_single_cell()
    {
        var shard = new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { Pools = Dict(("p", new PoolSpec { ReplicasPerCell = 1 })) } };

        Assert.Equal(1, ShardResolver.Resolve(null, shard, new ShardResolveOptions(["a"], null, false)).Pools["p"].ReplicasPerCell);
    }

    [Fact]
    public void Fs_group_affinity_and_pool_pvc_policy_flow_through()
    {
        var affinity = new Affinity { PodAntiAffinity = new PodAntiAffinity() };
        var policy = new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Retain };
        var shard = new ShardConfig
        {
            Name = "0-inf",
            Overrides = new ShardOverrides { Pools = Dict(("main-app", new PoolSpec { FsGroup = 2000, Affinity = affinity, PvcDeletionPolicy = policy })) },
        };

        var pool = ShardResolver.Resolve(Standard, shard, NoContext).Pools["main-app"];

        Assert.Equal(2000, pool.FsGroup);
        Assert.Same(affinity, pool.Affinity);
        Assert.Equal(policy, pool.PvcDeletionPolicy);
    }

    [Fact]
    public void Multiorch_defaults_and_placement_merge()
    {
        var toleration = new Toleration { Key = "orch" };
        var template = new ShardTemplateSpec { Multiorch = new MultiorchSpec { Placement = new PodPlacementSpec { Tolerations = [toleration] } } };

        var kept = ShardResolver.Resolve(template, new ShardConfig { Name = "0-inf" }, NoContext).Multiorch;
        var cleared = ShardResolver.Resolve(template, new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { Multiorch = new MultiorchSpec { Placement = new PodPlacementSpec() } } }, NoContext).Multiorch;

        AssertJson(
            "{replicas: 1, resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}, placement: {tolerations: [{key: orch}]}}",
            ToJson(kept));
        AssertJson("{}", ToJson(cleared.Placement));
    }

    [Fact]
    public void Backup_defaults_to_filesystem_and_is_inherited_then_overridden_by_the_shard()
    {
        AssertJson(
            "{type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi}}}",
            ToJson(ShardResolver.Resolve(null, new ShardConfig { Name = "0-inf" }, NoContext).Backup));

        var s3 = new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "b", Region = "r" } };
        var inherited = new ShardResolveOptions([], s3, false);
        AssertJson("{type: s3, s3: {bucket: b, region: r}}", ToJson(ShardResolver.Resolve(null, new ShardConfig { Name = "0-inf" }, inherited).Backup));

        var shardOverride = new ShardConfig { Name = "0-inf", Backup = new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "", Region = "", KeyPrefix = "shard" } } };
        AssertJson("{type: s3, s3: {bucket: b, region: r, keyPrefix: shard}}", ToJson(ShardResolver.Resolve(null, shardOverride, inherited).Backup));

        var filesystemOverride = new ShardConfig { Name = "0-inf", Backup = new BackupConfig { Type = BackupType.Filesystem } };
        AssertJson(
            "{type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi}}}",
            ToJson(ShardResolver.Resolve(null, filesystemOverride, inherited).Backup));
    }

    [Fact]
    public void Inherited_backup_is_table_group_over_database_over_cluster()
    {
        var cluster = Spec("a") with { Backup = HardcodedDefaults.Backup };
        var db = new DatabaseConfig { Name = "postgres", Backup = new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "db", Region = "r" } } };
        var tg = new TableGroupConfig { Name = "default", Backup = new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "tg", Region = "" } } };

        AssertJson("{type: s3, s3: {bucket: tg, region: r}}", ToJson(ShardResolver.InheritedBackup(cluster, db, tg)));
        AssertJson("{type: s3, s3: {bucket: db, region: r}}", ToJson(ShardResolver.InheritedBackup(cluster, db, tg with { Backup = null })));
        AssertJson(
            "{type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi}}}",
            ToJson(ShardResolver.InheritedBackup(cluster, db with { Backup = null }, tg with { Backup = null })));
    }

    [Fact]
    public void Resolved_shard_converts_to_the_table_group_entry()
    {
        var resolved = ShardResolver.Resolve(Standard, new ShardConfig { Name = "0-inf" }, NoContext);

        var entry = resolved.ToShardResolvedSpec("0-inf");

        Assert.Equal("0-inf", entry.Name);
        Assert.Same(resolved.Pools, entry.Pools);
        Assert.Same(resolved.Backup, entry.Backup);
        Assert.Equal("--data-checksums", entry.InitdbArgs);
    }
}
