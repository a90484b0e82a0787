using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Builders.Cluster;

/// <summary>
/// The TableGroup CR for one (database, table group) of the cluster (spec §6.1 "TableGroup CR"). It carries fully
/// resolved shards and the cells' node labels so the TableGroup and Shard controllers never read Cell CRs or templates.
/// </summary>
public static class TableGroupCrBuilder
{
    /// <param name="cluster">The owner.</param>
    /// <param name="database">The database entry of <c>spec.databases</c>.</param>
    /// <param name="tableGroup">The table group entry of that database.</param>
    /// <param name="shards">The resolved shards (<see cref="ResolvedShard.ToShardResolvedSpec"/>), in spec order.</param>
    /// <param name="images">The completed images of §6.1.3.</param>
    /// <param name="globalTopoServer">§6.1.1, from <see cref="GlobalTopoServerBuilder.Ref"/>.</param>
    public static TableGroup Build(
        MultigresCluster cluster,
        DatabaseConfig database,
        TableGroupConfig tableGroup,
        IReadOnlyList<ShardResolvedSpec> shards,
        ClusterImages images,
        GlobalTopoServerRef globalTopoServer)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(tableGroup);
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(globalTopoServer);
        var clusterName = ClusterMetadata.NameOf(cluster);
        var spec = cluster.Spec;
        var labels = ClusterMetadata.ComponentLabels(cluster, Components.TableGroup);
        labels[LabelKeys.Database] = database.Name;
        labels[LabelKeys.TableGroup] = tableGroup.Name;

        return new TableGroup
        {
            Metadata = ClusterMetadata.Child(
                cluster,
                ResourceNames.TableGroupName(clusterName, database.Name, tableGroup.Name),
                labels,
                Labels.ProjectRefAnnotation(cluster.Metadata)),
            Spec = new TableGroupSpec
            {
                DatabaseName = database.Name,
                TableGroupName = tableGroup.Name,
                IsDefault = tableGroup.IsDefault,
                Images = new ShardImages
                {
                    Multiorch = Required(images.Multiorch, "multiorch"),
                    Multipooler = Required(images.Multipooler, "multipooler"),
                    Postgres = Required(images.Postgres, "postgres"),
                    ImagePullPolicy = images.ImagePullPolicy,
                    ImagePullSecrets = images.ImagePullSecrets,
                },
                GlobalTopoServer = globalTopoServer,
                Shards = shards,
                PvcDeletionPolicy = PvcPolicyResolver.TableGroup(spec, tableGroup),
                Backup = ShardResolver.InheritedBackup(spec, database, tableGroup),
                InternalTls = spec.InternalTls,
                Observability = spec.Observability,
                LogLevels = spec.LogLevels,
                CellTopologyLabels = CellTopologyLabels(spec),
                TopologyPruning = spec.TopologyPruning,
                DurabilityPolicy = MergeRules.MergeDurabilityPolicy(database.DurabilityPolicy, spec.DurabilityPolicy),
                PostgresSuperuser = string.IsNullOrEmpty(spec.PostgresSuperuser) ? null : spec.PostgresSuperuser,
                PostgresPasswordSecretRef = spec.PostgresPasswordSecretRef,
            },
        };
    }

    /// <summary>
    /// Cell name → the node label its pods are pinned with: the AWS zone-id label for <c>zoneId</c> cells, the region
    /// label for <c>region</c> cells; cells with neither are omitted, and an empty map is null so it is not written.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? CellTopologyLabels(MultigresClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var cell in spec.Cells ?? [])
        {
            if (!string.IsNullOrEmpty(cell.ZoneId))
                result[cell.Name] = new Dictionary<string, string>(StringComparer.Ordinal) { [LabelKeys.NodeZoneId] = cell.ZoneId };
            else if (!string.IsNullOrEmpty(cell.Region))
                result[cell.Name] = new Dictionary<string, string>(StringComparer.Ordinal) { [LabelKeys.NodeRegion] = cell.Region };
        }

        return result.Count > 0 ? result : null;
    }

    private static string Required(string? image, string component) =>
        !string.IsNullOrEmpty(image)
            ? image
            : throw new ArgumentException($"images.{component} is empty; pass the completed images of §6.1.3", nameof(image));
}
