namespace MultigresOrleans.Grains.Builders.PoolPods;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;

/// <summary>
/// Names, labels and annotations shared by a pool's pods, data PVCs, headless Service and PDB (spec §4.2, §5, §6.6).
/// Everything that selects pool pods is derived from <see cref="PodLabels"/> here, so a pod, the Service publishing it
/// and the PDB guarding it cannot disagree about which pods belong to one pool in one cell.
/// </summary>
public static class PoolPodMetadata
{
    /// <summary>The cluster a Shard belongs to: its <c>multigres.com/cluster</c> label (the Shard CR's name is hashed and cannot be parsed back).</summary>
    public static string ClusterName(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return shard.Metadata.Labels is { } labels && labels.TryGetValue(LabelKeys.Cluster, out var cluster) && cluster.Length > 0
            ? cluster
            : throw new ArgumentException($"Shard {shard.Metadata.Name} has no {LabelKeys.Cluster} label; every operator-built Shard carries one", nameof(shard));
    }

    /// <summary>The Shard's namespace, which every pool object shares.</summary>
    public static string Namespace(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return shard.Metadata.Namespace ?? throw new ArgumentException($"Shard {shard.Metadata.Name} has no metadata.namespace", nameof(shard));
    }

    /// <summary>The Shard CR's own name, which prefixes its shared ConfigMaps and Secrets.</summary>
    public static string ShardCrName(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return shard.Metadata.Name ?? throw new ArgumentException("the Shard has no metadata.name", nameof(shard));
    }

    /// <summary><c>JWC(Pod, cluster, db, tg, shard, "pool", pool, cell)</c>: the pod name without its index.</summary>
    public static string PodBaseName(Shard shard, string pool, string cell) =>
        ResourceNames.PoolPodBaseName(ClusterName(shard), shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName, pool, cell);

    /// <summary>Pool pod <paramref name="index"/> in <paramref name="cell"/>.</summary>
    public static string PodName(Shard shard, string pool, string cell, int index) =>
        ResourceNames.PoolPodName(ClusterName(shard), shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName, pool, cell, index);

    /// <summary>The data PVC of pool pod <paramref name="index"/>: <c>data-&lt;podBase&gt;-&lt;index&gt;</c>.</summary>
    public static string DataPvcName(Shard shard, string pool, string cell, int index) =>
        ResourceNames.PoolDataPvcName(ClusterName(shard), shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName, pool, cell, index);

    /// <summary>The pool's headless Service in <paramref name="cell"/>, also every pool pod's <c>subdomain</c>.</summary>
    public static string HeadlessServiceName(Shard shard, string pool, string cell) =>
        ResourceNames.PoolHeadlessServiceName(ClusterName(shard), shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName, pool, cell);

    /// <summary>The pool's PodDisruptionBudget in <paramref name="cell"/>.</summary>
    public static string PdbName(Shard shard, string pool, string cell) =>
        ResourceNames.PoolPdbName(ClusterName(shard), shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName, pool, cell);

    /// <summary>
    /// The project a pod's signals are attributed to: the Shard's <c>multigres.com/project-ref</c> when non-empty, else
    /// the cluster name (§5.2). Used both as the pod annotation and as <c>multigres.project</c> in OTEL resource attributes.
    /// </summary>
    public static string ProjectRef(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return shard.Metadata.Annotations is { } annotations && annotations.TryGetValue(AnnotationKeys.ProjectRef, out var value) && value.Length > 0
            ? value
            : ClusterName(shard);
    }

    /// <summary>
    /// The labels of every pool pod in one pool and cell: merge(shard labels, standard(<c>shard-pool</c>) + cluster +
    /// database + tablegroup + shard + pool + cell), plus the cell's <c>multigres.com/zone-id</c> or
    /// <c>multigres.com/region</c> workload label (§0.1, §5.1) taken from the cell's node-selector labels. The operator's
    /// keys overwrite the Shard's, so the component is always <c>shard-pool</c>. The zone labels never select (§5.1),
    /// so they can be added without touching any selector. (The DRAINED role label is added by the drain logic, never
    /// by the builder.)
    /// </summary>
    public static Dictionary<string, string> PodLabels(Shard shard, string pool, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var labels = Labels.Merge(shard.Metadata.Labels, OperatorLabels(shard, pool, cell));
        if (shard.Spec.CellTopologyLabels is { } topology && topology.TryGetValue(cell, out var nodeLabels))
        {
            if (nodeLabels.TryGetValue(LabelKeys.NodeZoneId, out var zoneId) && zoneId.Length > 0)
                labels[LabelKeys.ZoneId] = zoneId;
            if (nodeLabels.TryGetValue(LabelKeys.NodeRegion, out var region) && region.Length > 0)
                labels[LabelKeys.Region] = region;
        }

        return labels;
    }

    /// <summary>
    /// standard(<c>shard-pool</c>) + cluster + shard + cell + pool + database + tablegroup, without the Shard's own labels:
    /// the PDB's labels (§6.6.3) and the part of <see cref="PodLabels"/> the operator guarantees.
    /// </summary>
    public static Dictionary<string, string> OperatorLabels(Shard shard, string pool, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(pool);
        ArgumentException.ThrowIfNullOrEmpty(cell);
        var cluster = ClusterName(shard);
        var labels = Labels.Standard(cluster, Components.ShardPool);
        labels[LabelKeys.Cluster] = cluster;
        labels[LabelKeys.Database] = shard.Spec.DatabaseName;
        labels[LabelKeys.TableGroup] = shard.Spec.TableGroupName;
        labels[LabelKeys.Shard] = shard.Spec.ShardName;
        labels[LabelKeys.Pool] = pool;
        labels[LabelKeys.Cell] = cell;
        return labels;
    }

    /// <summary>
    /// The selector of one pool in one cell: {component, instance, cluster, database, tablegroup, shard, pool, cell}. Used
    /// to list the pool's pods and PVCs and by the headless Service and the PDB.
    /// </summary>
    public static Dictionary<string, string> Selector(Shard shard, string pool, string cell) =>
        Labels.Selector(OperatorLabels(shard, pool, cell));
}
