using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>The cluster context a shard is resolved in.</summary>
/// <param name="AllCellNames">Every cell of the cluster; used for the single-cell replicas rule and, when materialising, for empty cell lists.</param>
/// <param name="InheritedBackup">The backup the shard inherits (<see cref="ShardResolver.InheritedBackup"/>).</param>
/// <param name="MaterializeCellDefaults">
/// True for the controller and the validating dry-run: empty <c>multiorch.cells</c> and pool <c>cells</c> become all
/// cluster cells, sorted. False for the mutating webhook, so the stored spec stays "all cells" and grows with the cluster.
/// </param>
public sealed record ShardResolveOptions(
    IReadOnlyList<string> AllCellNames,
    BackupConfig? InheritedBackup,
    bool MaterializeCellDefaults);

/// <summary>A shard after template merge and defaulting: what the TableGroup carries and the Shard controller deploys.</summary>
public sealed record ResolvedShard
{
    public required MultiorchSpec Multiorch { get; init; }

    public required IReadOnlyDictionary<string, PoolSpec> Pools { get; init; }

    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }

    public required BackupConfig Backup { get; init; }

    public string? InitdbArgs { get; init; }

    public PostgresConfigRef? PostgresConfigRef { get; init; }

    public IReadOnlyDictionary<string, string>? PostgresConfig { get; init; }

    /// <summary>The TableGroup's per-shard entry (spec §1.4 ShardResolvedSpec).</summary>
    public ShardResolvedSpec ToShardResolvedSpec(string name) => new()
    {
        Name = name,
        Multiorch = Multiorch,
        InitdbArgs = InitdbArgs,
        PostgresConfigRef = PostgresConfigRef,
        PostgresConfig = PostgresConfig,
        Pools = Pools,
        PvcDeletionPolicy = PvcDeletionPolicy,
        Backup = Backup,
    };
}

/// <summary>
/// One shard through the chain of spec §2.3–2.5: ShardTemplate (own <c>shardTemplate</c> →
/// <c>templateDefaults.shardTemplate</c> → namespace <c>default</c>) → <c>overrides</c> → inline <c>spec</c>
/// → hard-coded defaults, with the backup inherited down cluster → database → table group → shard.
/// </summary>
public static class ShardResolver
{
    public static ResolvedShard ResolveShard(
        MultigresClusterSpec cluster,
        ShardConfig shard,
        ShardResolveOptions options,
        ITemplateSource templates)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(shard);
        var template = TemplateLookup.Shard(templates, GlobalResolver.FirstNonEmpty(shard.ShardTemplate, cluster.TemplateDefaults?.ShardTemplate));
        return Resolve(template, shard, options);
    }

    /// <summary>
    /// The context the cluster controller and the validating dry-run resolve a shard in (spec §6.1
    /// reconcileDatabases): all spec cell names in spec order, the inherited backup, cells materialised.
    /// </summary>
    public static ShardResolveOptions ReconcileOptions(MultigresClusterSpec cluster, DatabaseConfig database, TableGroupConfig tableGroup)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return new ShardResolveOptions(
            (cluster.Cells ?? []).Select(c => c.Name).ToList(),
            InheritedBackup(cluster, database, tableGroup),
            MaterializeCellDefaults: true);
    }

    /// <summary>The backup a shard starts from: table group over database over cluster.</summary>
    public static BackupConfig? InheritedBackup(MultigresClusterSpec cluster, DatabaseConfig database, TableGroupConfig tableGroup)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(tableGroup);
        return MergeRules.MergeBackup(tableGroup.Backup, MergeRules.MergeBackup(database.Backup, cluster.Backup));
    }

    /// <summary>The merge and defaulting for an already-fetched template; exposed for table tests.</summary>
    public static ResolvedShard Resolve(ShardTemplateSpec? template, ShardConfig shard, ShardResolveOptions options)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(options);
        var overrides = shard.Overrides;
        var inline = shard.Spec;

        // Layers in order template → overrides → inline; each later layer wins field by field (spec §2.4 "Shard").
        var multiorch = template?.Multiorch ?? new MultiorchSpec();
        var pools = MergeRules.MergePools(null, template?.Pools);
        var initdbArgs = template?.InitdbArgs;
        var postgresConfigRef = template?.PostgresConfigRef;
        if (overrides is not null)
        {
            multiorch = MergeRules.MergeMultiorch(multiorch, overrides.Multiorch);
            pools = MergeRules.MergePools(pools, overrides.Pools);
            initdbArgs = string.IsNullOrEmpty(overrides.InitdbArgs) ? initdbArgs : overrides.InitdbArgs;
            postgresConfigRef = overrides.PostgresConfigRef ?? postgresConfigRef;
        }

        if (inline is not null)
        {
            multiorch = MergeRules.MergeMultiorch(multiorch, inline.Multiorch);
            pools = MergeRules.MergePools(pools, inline.Pools);
            initdbArgs = string.IsNullOrEmpty(inline.InitdbArgs) ? initdbArgs : inline.InitdbArgs;
            postgresConfigRef = inline.PostgresConfigRef ?? postgresConfigRef;
        }

        // Overrides have no pvcDeletionPolicy: only the template's, replaced by the inline one.
        var pvcDeletionPolicy = inline?.PvcDeletionPolicy ?? template?.PvcDeletionPolicy;
        var postgresConfig = MergeRules.MergePostgresConfig(template?.PostgresConfig, overrides?.PostgresConfig, inline?.PostgresConfig);

        var backup = options.InheritedBackup;
        if (shard.Backup is not null)
            backup = MergeRules.MergeBackup(shard.Backup, backup);

        multiorch = HardcodedDefaults.ApplyStateless(multiorch, HardcodedDefaults.MultiorchResources, HardcodedDefaults.MultiorchReplicas);
        var sortedCells = options.AllCellNames.Order(StringComparer.Ordinal).ToList();
        if (options.MaterializeCellDefaults && multiorch.Cells is not { Count: > 0 } && sortedCells.Count > 0)
            multiorch = multiorch with { Cells = sortedCells };

        if (pools.Count == 0)
        {
            pools = new SortedDictionary<string, PoolSpec>(StringComparer.Ordinal)
            {
                [HardcodedDefaults.DefaultPoolName] = new PoolSpec { Type = PoolType.ReadWrite, Cells = multiorch.Cells },
            };
        }

        var resolvedPools = new SortedDictionary<string, PoolSpec>(StringComparer.Ordinal);
        foreach (var (name, original) in pools)
        {
            var pool = original;
            if (options.MaterializeCellDefaults && pool.Cells is not { Count: > 0 } && sortedCells.Count > 0)
                pool = pool with { Cells = sortedCells };
            pool = pool with { ReplicasPerCell = pool.ReplicasPerCell ?? HardcodedDefaults.PoolReplicasFor(pool, options.AllCellNames.Count) };
            resolvedPools[name] = HardcodedDefaults.ApplyPool(pool);
        }

        return new ResolvedShard
        {
            Multiorch = multiorch,
            Pools = resolvedPools,
            PvcDeletionPolicy = pvcDeletionPolicy,
            Backup = HardcodedDefaults.ApplyBackup(backup),
            InitdbArgs = initdbArgs,
            PostgresConfigRef = postgresConfigRef,
            PostgresConfig = postgresConfig,
        };
    }
}
