using System.Text.RegularExpressions;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Validation;

/// <summary>A StorageClass as the validator needs it: its name and annotations.</summary>
public sealed record StorageClassInfo(string Name, IReadOnlyDictionary<string, string>? Annotations)
{
    public bool IsDefault => Annotations is not null
        && (Annotations.TryGetValue("storageclass.kubernetes.io/is-default-class", out var a) && a == "true"
            || Annotations.TryGetValue("storageclass.beta.kubernetes.io/is-default-class", out var b) && b == "true");
}

/// <summary>
/// What the validator may look at besides the object: the namespace's templates, the nodes' labels
/// (null when they could not be listed: the zone warnings are then skipped, as in the reference) and
/// the StorageClasses (or the error listing them failed with).
/// </summary>
public sealed record ClusterValidationContext(
    ITemplateSource Templates,
    IReadOnlyList<IReadOnlyDictionary<string, string>>? NodeLabels,
    IReadOnlyList<StorageClassInfo>? StorageClasses,
    string? StorageClassListError = null);

/// <summary>
/// The MultigresCluster validating webhook's checks (spec §3.1) in the reference's order: (A)
/// referenced templates exist, (B) the logic checks on the cluster as the reconciler will resolve
/// it, then on UPDATE (C) no storage shrink and (D) no etcd replica change. The first error
/// rejects; warnings accumulate. One deliberate difference: the StorageClass check (step 5)
/// resolves shards exactly as steps 1–4 and the reconciler do, with
/// <c>templateDefaults.shardTemplate</c> — the reference drops it there (§16.30) and so rejects
/// clusters, such as the EKS guide's, whose pool storage class comes from that template.
/// (A2), the PostgreSQL parameter check, runs between (A) and (B) as in the reference: (B) may end
/// early with warnings only, which must not let an invalid <c>postgresConfig</c> through.
/// </summary>
public static partial class MultigresClusterValidator
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    public static AdmissionVerdict Validate(MultigresCluster cluster, MultigresCluster? old, ClusterValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(context);

        if (TemplatesExist(cluster, context.Templates) is { } missing)
            return AdmissionVerdict.Reject(missing);

        if (PostgresConfigRules.CheckCluster(cluster.Spec) is { } guc)
            return AdmissionVerdict.Reject(guc);

        var warnings = new List<string>();
        if (Logic(cluster.Spec, context, warnings) is { } error)
            return AdmissionVerdict.Reject(error, warnings);

        if (old is not null)
        {
            var updateError = ClusterUpdateRules.StorageShrink(old.Spec, cluster.Spec) ?? ClusterUpdateRules.EtcdReplicasChanged(old.Spec, cluster.Spec);
            if (updateError is not null)
                return AdmissionVerdict.Reject(updateError, warnings);
        }
        return AdmissionVerdict.Warn(warnings);
    }

    /// <summary>(A) every explicitly referenced template exists; the first missing one is reported.</summary>
    public static string? TemplatesExist(MultigresCluster cluster, ITemplateSource templates)
    {
        var spec = cluster.Spec;
        var ns = cluster.Metadata.Namespace ?? "";
        var references = new List<(string Kind, string? Name)>
        {
            (ApiConstants.CoreTemplateKind, spec.TemplateDefaults?.CoreTemplate),
            (ApiConstants.CoreTemplateKind, spec.Multiadmin?.TemplateRef),
            (ApiConstants.CoreTemplateKind, spec.GlobalTopoServer?.TemplateRef),
            (ApiConstants.CoreTemplateKind, spec.MultiadminWeb?.TemplateRef),
            (ApiConstants.CellTemplateKind, spec.TemplateDefaults?.CellTemplate),
        };
        references.AddRange((spec.Cells ?? []).Select(c => (ApiConstants.CellTemplateKind, c.CellTemplate)));
        references.Add((ApiConstants.ShardTemplateKind, spec.TemplateDefaults?.ShardTemplate));
        references.AddRange(
            from database in spec.Databases ?? []
            from tableGroup in database.TableGroups ?? []
            from shard in tableGroup.Shards ?? []
            select (ApiConstants.ShardTemplateKind, shard.ShardTemplate));

        foreach (var (kind, name) in references)
        {
            if (string.IsNullOrEmpty(name))
                continue;
            try
            {
                object? found = kind switch
                {
                    ApiConstants.CoreTemplateKind => templates.Core(name),
                    ApiConstants.CellTemplateKind => templates.Cell(name),
                    _ => templates.Shard(name),
                };
                if (found is null)
                    return $"referenced {kind} '{name}' not found in namespace '{ns}'";
            }
            catch (TemplateSourceException e)
            {
                return $"failed to get {kind} '{name}': {e.Message}";
            }
        }
        return null;
    }

    private static string? Logic(MultigresClusterSpec spec, ClusterValidationContext context, List<string> warnings)
    {
        warnings.AddRange(TopologyWarnings.UnmatchedCells(spec, context.NodeLabels));
        warnings.AddRange(TopologyWarnings.SingleEtcdReplica(spec));

        var endpoints = ExternalEndpointRules.Check(spec);
        warnings.AddRange(endpoints.Warnings);
        if (endpoints.Error is not null)
            return endpoints.Error;

        if (ResourceSanityRule.CheckInlineGlobalComponents(spec) is { } resources)
            return resources;

        if (ResolvedGateways(spec, context.Templates) is { } gateway)
            return "validation failed: " + gateway;

        var classless = new List<string>();
        if (spec.GlobalTopoServer?.Etcd is { } etcd && string.IsNullOrEmpty(etcd.Storage?.Class))
            classless.Add("spec.globalTopoServer.etcd.storage.class");

        var cellNames = (spec.Cells ?? []).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var database in spec.Databases ?? [])
        foreach (var tableGroup in database.TableGroups ?? [])
        foreach (var shard in tableGroup.Shards ?? [])
        {
            if (Shard(spec, database, tableGroup, shard, cellNames, context.Templates, warnings, classless) is { } shardError)
                return shardError;
        }

        return classless.Count == 0 ? null : StorageClassCheck(classless, context);
    }

    /// <summary>
    /// 0f: each cell resolved as the reconciler will, then its buffer and resources checked; the first
    /// problem, without the <c>validation failed: </c> prefix. With <paramref name="consumersOf"/> only
    /// the cells whose effective CellTemplate has that name are checked: the CellTemplate webhook's
    /// re-validation of a template's consumers (spec §3.2), which shares these rules.
    /// </summary>
    public static string? ResolvedGateways(MultigresClusterSpec spec, ITemplateSource templates, string? consumersOf = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        foreach (var cell in spec.Cells ?? [])
        {
            if (consumersOf is not null && TemplateLookup.EffectiveName(cell.CellTemplate, spec.TemplateDefaults?.CellTemplate) != consumersOf)
                continue;
            ResolvedCell resolved;
            try
            {
                resolved = CellResolver.ResolveCell(spec, cell, templates);
            }
            catch (Exception e) when (e is TemplateResolutionException or TemplateSourceException)
            {
                return $"cannot resolve cell '{cell.Name}': {e.Message}";
            }
            var problem = GatewayBufferRules.Check($"cell '{cell.Name}'", resolved.Multigateway.Buffer)
                ?? ResourceSanityRule.Check($"cell '{cell.Name}' multigateway (resolved)", resolved.Multigateway.Resources);
            if (problem is not null)
                return problem;
        }
        return null;
    }

    // Steps 1–4 for one shard, collecting the pools and backups without a storage class for step 5.
    private static string? Shard(
        MultigresClusterSpec spec, DatabaseConfig database, TableGroupConfig tableGroup, ShardConfig shard,
        HashSet<string> cellNames, ITemplateSource templates, List<string> warnings, List<string> classless)
    {
        var s = shard.Name;
        if (OrphanOverrides(spec, shard, templates, warnings) is { } orphanError)
            return orphanError;

        ResolvedShard resolved;
        try
        {
            resolved = ShardResolver.ResolveShard(spec, shard, ShardResolver.ReconcileOptions(spec, database, tableGroup), templates);
        }
        catch (Exception e) when (e is TemplateResolutionException or TemplateSourceException)
        {
            return $"validation failed: cannot resolve shard '{s}': {e.Message}";
        }

        var pools = resolved.Pools.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        foreach (var (pool, _) in pools)
        {
            if (pool.Length is < 1 or > 25)
                return $"shard '{s}': pool name '{pool}' must be between 1 and 25 characters";
            if (!DnsLabel().IsMatch(pool))
                return $"shard '{s}': pool name '{pool}' is invalid: must consist of lowercase alphanumeric characters or '-', and must start and end with an alphanumeric character";
        }

        var orchCells = resolved.Multiorch.Cells ?? [];
        if (orchCells.Count == 0)
            return $"shard '{s}' matches NO cells (check your cell names or template configuration)";
        if (pools.FirstOrDefault(p => (p.Value.Cells ?? []).Count == 0) is { Key: not null } empty)
            return $"pool '{empty.Key}' in shard '{s}' matches NO cells";
        if (orchCells.FirstOrDefault(c => !cellNames.Contains(c)) is { } unknownOrchCell)
            return $"shard '{s}' is assigned to non-existent cell '{unknownOrchCell}'";
        foreach (var (pool, poolSpec) in pools)
        {
            if ((poolSpec.Cells ?? []).FirstOrDefault(c => !cellNames.Contains(c)) is { } unknownPoolCell)
                return $"pool '{pool}' in shard '{s}' is assigned to non-existent cell '{unknownPoolCell}'";
        }

        var policy = FirstNonEmpty(database.DurabilityPolicy, spec.DurabilityPolicy) ?? HardcodedDefaults.DurabilityPolicy;
        foreach (var (pool, poolSpec) in pools)
        {
            var replicas = poolSpec.ReplicasPerCell ?? 1;
            var cells = poolSpec.Cells is { Count: > 0 } c ? c.Count : cellNames.Count;
            if (policy == "MULTI_CELL_AT_LEAST_2")
            {
                if (cells < 2)
                    warnings.Add($"pool '{pool}' in shard '{s}' spans {cells} cell(s); durability policy \"MULTI_CELL_AT_LEAST_2\" requires at least 2 distinct cells.");
            }
            else if (replicas * cells < 2)
            {
                warnings.Add($"pool '{pool}' in shard '{s}' has replicasPerCell={replicas} across {cells} cell(s) ({replicas * cells} total); durability policy \"{policy}\" requires at least 2 total poolers.");
            }
        }

        if (ResourceSanityRule.Check($"shard '{s}' multiorch", resolved.Multiorch.Resources) is { } orchResources)
            return orchResources;
        foreach (var (pool, poolSpec) in pools)
        {
            var problem = RuntimeIdentity(s, pool, poolSpec)
                ?? ResourceSanityRule.Check($"shard '{s}' pool '{pool}' postgres", poolSpec.Postgres?.Resources)
                ?? ResourceSanityRule.Check($"shard '{s}' pool '{pool}' multipooler", poolSpec.Multipooler?.Resources);
            if (problem is not null)
                return problem;
        }

        if (resolved.Backup is { Type: BackupType.Filesystem } backup)
        {
            var rwx = backup.Filesystem?.Storage?.AccessModes?.Contains("ReadWriteMany", StringComparer.Ordinal) == true;
            var mounts = pools.Sum(p => (p.Value.Cells ?? []).Count * (p.Value.ReplicasPerCell ?? 1));
            if (!rwx && mounts > 1)
                warnings.Add($"Shard '{s}' uses filesystem backups with ReadWriteOnce (RWO) storage but {mounts} poolers mount the shard-wide backup PVC. This configuration may fail when poolers are scheduled on different nodes. Configure ReadWriteMany (RWX) storage, ensure node affinity, or use S3 backups.");
            if (string.IsNullOrEmpty(backup.Filesystem?.Storage?.Class))
                classless.Add($"shard '{s}' backup filesystem storage.class");
        }
        foreach (var (pool, poolSpec) in pools)
        {
            if (string.IsNullOrEmpty(poolSpec.Storage?.Class))
                classless.Add($"shard '{s}' pool '{pool}' storage.class");
        }
        return null;
    }

    // The warning names the template by its stored name: empty when the implicit default does not exist.
    private static string? OrphanOverrides(MultigresClusterSpec spec, ShardConfig shard, ITemplateSource templates, List<string> warnings)
    {
        if (shard.Overrides?.Pools is not { Count: > 0 } overridePools)
            return null;
        var name = TemplateLookup.EffectiveName(shard.ShardTemplate, spec.TemplateDefaults?.ShardTemplate);
        ShardTemplate? template;
        try
        {
            template = templates.Shard(name);
            if (template is null && name != TemplateLookup.FallbackName)
                return $"failed to resolve template for orphan check: referenced ShardTemplate '{name}' not found";
        }
        catch (TemplateSourceException e)
        {
            return $"failed to resolve template for orphan check: {e.Message}";
        }
        var templatePools = template?.Spec.Pools ?? new Dictionary<string, PoolSpec>();
        foreach (var pool in overridePools.Keys.Where(p => !templatePools.ContainsKey(p)).Order(StringComparer.Ordinal))
            warnings.Add($"Pool '{pool}' defined in overrides for shard '{shard.Name}' does not exist in template '{template?.Metadata.Name ?? ""}'. A new pool will be created.");
        return null;
    }

    // multipooler and postgres both own PGDATA, so they must run as the same user.
    private static string? RuntimeIdentity(string shard, string pool, PoolSpec spec)
    {
        var (postgres, multipooler) = (spec.Postgres?.RunAsUser, spec.Multipooler?.RunAsUser);
        if (multipooler is null)
            return null;
        if (postgres is null)
            return $"shard '{shard}' pool '{pool}': multipooler runAsUser {multipooler} requires matching postgres runAsUser because both access PGDATA";
        return postgres == multipooler
            ? null
            : $"shard '{shard}' pool '{pool}': postgres runAsUser {postgres} and multipooler runAsUser {multipooler} must match because both access PGDATA";
    }

    private static string? StorageClassCheck(List<string> classless, ClusterValidationContext context)
    {
        if (context.StorageClassListError is { } listError)
            return $"failed to check for default StorageClass: {listError}";
        if ((context.StorageClasses ?? []).Any(c => c.IsDefault))
            return null;
        return $"no default StorageClass found in the cluster, and no explicit storage class is set for: {string.Join(", ", classless)}. PVCs will be stuck in Pending. Either: (1) Set a default StorageClass: kubectl annotate sc <name> storageclass.kubernetes.io/is-default-class=true, or (2) Set the storage class explicitly in the MultigresCluster spec for each component listed above";
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));
}
