using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>The spec after static defaulting, with the decisions the controller reports as <c>ImplicitDefault</c> events.</summary>
public sealed record StaticDefaultsResult(MultigresClusterSpec Spec, IReadOnlyList<string> Decisions);

/// <summary>
/// Spec §2.2 step 2 (<c>PopulateClusterDefaults</c>): the defaults that need no template resolution, shared by
/// the mutating webhook and the controller so the operator behaves the same with webhooks disabled.
/// Component images are never written: they are operator configuration resolved in memory at reconcile
/// (spec §6.1.3), and persisting them would freeze each cluster on the images it was admitted with.
/// <c>postgresPasswordSecretRef</c> and <c>internalTLS</c> are never defaulted.
/// </summary>
public static class StaticDefaults
{
    public static StaticDefaultsResult Populate(MultigresClusterSpec spec, ITemplateSource templates)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(templates);
        var decisions = new List<string>();

        var images = spec.Images ?? new ClusterImages();
        var logLevels = spec.LogLevels ?? new ComponentLogLevels();
        const LogLevel info = HardcodedDefaults.ComponentLogLevel;

        // "Inject defaults" (a readWrite pool written inline) only when no ShardTemplate can supply pools:
        // an explicit templateDefaults.shardTemplate is trusted, and an existing `default` is used implicitly.
        var injectDefaultPool = false;
        if (string.IsNullOrEmpty(spec.TemplateDefaults?.ShardTemplate))
        {
            bool implicitExists;
            try
            {
                implicitExists = templates.Shard(TemplateLookup.FallbackName) is not null;
            }
            catch (TemplateSourceException e)
            {
                throw new TemplateResolutionException($"failed to check for implicit shard template: {e.Message}", e);
            }
            if (!implicitExists)
            {
                injectDefaultPool = true;
                decisions.Add(HardcodedDefaults.ImplicitDefaultPoolDecision);
            }
        }

        var hasCells = spec.Cells is { Count: > 0 };
        var databases = spec.Databases is { Count: > 0 }
            ? spec.Databases
            : [new DatabaseConfig { Name = HardcodedDefaults.SystemDatabaseName, IsDefault = true }];
        databases = databases.Select(db => WithSystemCatalog(db, hasCells, injectDefaultPool)).ToList();

        var populated = spec with
        {
            Images = images.ImagePullPolicy is null ? images with { ImagePullPolicy = HardcodedDefaults.ImagePullPolicy } : images,
            TopologyPruning = spec.TopologyPruning ?? new TopologyPruningConfig { Enabled = true },
            DurabilityPolicy = string.IsNullOrEmpty(spec.DurabilityPolicy) ? HardcodedDefaults.DurabilityPolicy : spec.DurabilityPolicy,
            LogLevels = logLevels with
            {
                Pgctld = logLevels.Pgctld ?? info,
                Multipooler = logLevels.Multipooler ?? info,
                Multiorch = logLevels.Multiorch ?? info,
                Multiadmin = logLevels.Multiadmin ?? info,
                Multigateway = logLevels.Multigateway ?? info,
            },
            PvcDeletionPolicy = spec.PvcDeletionPolicy ?? HardcodedDefaults.ClusterPvcDeletionPolicy,
            Backup = spec.Backup ?? HardcodedDefaults.Backup,
            Databases = databases,
        };
        return new StaticDefaultsResult(populated, decisions);
    }

    /// <summary>
    /// Every database gets the default table group and every table group the single shard <c>0-inf</c>. The shard
    /// gets an inline skeleton only when the cluster has cells, and its pool leaves <c>cells</c> empty on purpose:
    /// empty means "all cells", resolved at reconcile, so the stored spec follows cells added later.
    /// </summary>
    private static DatabaseConfig WithSystemCatalog(DatabaseConfig database, bool hasCells, bool injectDefaultPool)
    {
        var tableGroups = database.TableGroups is { Count: > 0 }
            ? database.TableGroups
            : [new TableGroupConfig { Name = HardcodedDefaults.SystemTableGroupName, IsDefault = true }];
        return database with
        {
            TableGroups = tableGroups.Select(tg => tg.Shards is { Count: > 0 } ? tg : tg with { Shards = [SystemShard(hasCells, injectDefaultPool)] }).ToList(),
        };
    }

    private static ShardConfig SystemShard(bool hasCells, bool injectDefaultPool)
    {
        if (!hasCells)
            return new ShardConfig { Name = HardcodedDefaults.SystemShardName };
        var pools = new SortedDictionary<string, PoolSpec>(StringComparer.Ordinal);
        if (injectDefaultPool)
            pools[HardcodedDefaults.DefaultPoolName] = new PoolSpec { Type = PoolType.ReadWrite };
        return new ShardConfig
        {
            Name = HardcodedDefaults.SystemShardName,
            Spec = new ShardInlineSpec { Multiorch = new MultiorchSpec(), Pools = pools },
        };
    }
}
