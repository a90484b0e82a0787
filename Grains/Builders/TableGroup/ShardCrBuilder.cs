namespace MultigresOrleans.Grains.Builders.TableGroups;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The Shard CRs a TableGroup wants (spec §6.2 "Shard CR built by TG"). The name is built from the logical parts
/// (cluster, database, table group, shard), never from the TableGroup's own hashed name, so a Shard's identity does not
/// depend on how its parent happened to be named.
/// </summary>
public static class ShardCrBuilder
{
    /// <summary>The cluster a TableGroup belongs to, from its <c>multigres.com/cluster</c> label.</summary>
    public static string ClusterName(TableGroup tableGroup)
    {
        ArgumentNullException.ThrowIfNull(tableGroup);
        return tableGroup.Metadata.Labels is { } labels && labels.TryGetValue(LabelKeys.Cluster, out var cluster) && cluster.Length > 0
            ? cluster
            : throw new ArgumentException($"TableGroup {tableGroup.Metadata.Name} has no {LabelKeys.Cluster} label; every operator-built TableGroup carries one", nameof(tableGroup));
    }

    /// <summary>The Shard CR name for <paramref name="shardName"/>: <c>JWC(Default, cluster, db, tg, shard)</c>.</summary>
    public static string ShardName(TableGroup tableGroup, string shardName)
    {
        ArgumentNullException.ThrowIfNull(tableGroup);
        return ResourceNames.ShardName(ClusterName(tableGroup), tableGroup.Spec.DatabaseName, tableGroup.Spec.TableGroupName, shardName);
    }

    /// <summary>Every desired Shard, in <c>spec.shards</c> order.</summary>
    public static List<Shard> BuildAll(TableGroup tableGroup)
    {
        ArgumentNullException.ThrowIfNull(tableGroup);
        return tableGroup.Spec.Shards.Select(s => Build(tableGroup, s)).ToList();
    }

    /// <summary>One desired Shard, controller-owned by the TableGroup.</summary>
    public static Shard Build(TableGroup tableGroup, ShardResolvedSpec shard)
    {
        ArgumentNullException.ThrowIfNull(tableGroup);
        ArgumentNullException.ThrowIfNull(shard);
        var cluster = ClusterName(tableGroup);
        var tg = tableGroup.Spec;
        var labels = Labels.Standard(cluster, Components.Shard);
        labels[LabelKeys.Cluster] = cluster;
        labels[LabelKeys.Database] = tg.DatabaseName;
        labels[LabelKeys.TableGroup] = tg.TableGroupName;
        labels[LabelKeys.Shard] = shard.Name;

        return new Shard
        {
            Metadata = new ObjectMeta
            {
                Name = ResourceNames.ShardName(cluster, tg.DatabaseName, tg.TableGroupName, shard.Name),
                Namespace = tableGroup.Metadata.Namespace ?? throw new ArgumentException($"TableGroup {tableGroup.Metadata.Name} has no metadata.namespace", nameof(tableGroup)),
                Labels = labels,
                Annotations = Labels.ProjectRefAnnotation(tableGroup.Metadata),
                OwnerReferences = [Labels.ControllerReference(tableGroup)],
            },
            Spec = new ShardSpec
            {
                DatabaseName = tg.DatabaseName,
                TableGroupName = tg.TableGroupName,
                ShardName = shard.Name,
                Images = tg.Images,
                GlobalTopoServer = tg.GlobalTopoServer,
                Multiorch = shard.Multiorch,
                InitdbArgs = shard.InitdbArgs,
                PostgresConfigRef = shard.PostgresConfigRef,
                PostgresConfig = shard.PostgresConfig,
                Pools = shard.Pools,
                Replicas = TotalReplicas(shard.Pools),
                PvcDeletionPolicy = MergeRules.MergePvcDeletionPolicy(shard.PvcDeletionPolicy, tg.PvcDeletionPolicy),
                InternalTls = tg.InternalTls,
                Observability = tg.Observability,
                LogLevels = tg.LogLevels,
                Backup = shard.Backup,
                TopologyPruning = tg.TopologyPruning,
                DurabilityPolicy = tg.DurabilityPolicy,
                PostgresSuperuser = tg.PostgresSuperuser,
                PostgresPasswordSecretRef = tg.PostgresPasswordSecretRef,
                CellTopologyLabels = tg.CellTopologyLabels,
            },
        };
    }

    /// <summary>
    /// <c>spec.replicas</c> of a Shard: Σ over pools of replicasPerCell (null counts as 1, the pool pods' own default) ×
    /// number of cells. Informational only (scale subresource); the Shard controller sizes pools per cell itself.
    /// </summary>
    public static int TotalReplicas(IReadOnlyDictionary<string, PoolSpec>? pools) =>
        pools?.Values.Sum(p => (p.ReplicasPerCell ?? 1) * (p.Cells?.Count ?? 0)) ?? 0;
}
