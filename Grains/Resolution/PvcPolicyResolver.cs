using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>
/// The effective PVC deletion policies of spec §6.7: the child's field wins when set, else the parent's.
/// (For objects stored through the API server the schema defaults fill both fields of any present policy,
/// so a partial child policy in practice overrides both fields — spec §16.20; these functions implement
/// the field rule and leave schema defaulting to the API server.)
/// </summary>
public static class PvcPolicyResolver
{
    /// <summary>TableGroup spec policy: the table group's over the cluster's.</summary>
    public static PVCDeletionPolicy? TableGroup(MultigresClusterSpec cluster, TableGroupConfig tableGroup)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(tableGroup);
        return MergeRules.MergePvcDeletionPolicy(tableGroup.PvcDeletionPolicy, cluster.PvcDeletionPolicy);
    }

    /// <summary>Shard spec policy (also the shared backup PVC's): the resolved shard's (template or inline) over the table group's.</summary>
    public static PVCDeletionPolicy? Shard(ResolvedShard shard, PVCDeletionPolicy? tableGroupPolicy)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return MergeRules.MergePvcDeletionPolicy(shard.PvcDeletionPolicy, tableGroupPolicy);
    }

    /// <summary>A pool's data PVCs: the pool's over the shard's.</summary>
    public static PVCDeletionPolicy? Pool(PoolSpec pool, PVCDeletionPolicy? shardPolicy)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return MergeRules.MergePvcDeletionPolicy(pool.PvcDeletionPolicy, shardPolicy);
    }

    /// <summary>Global etcd PVCs: etcd's own, then the globalTopoServer's, then the cluster's.</summary>
    public static PVCDeletionPolicy? GlobalEtcd(GlobalTopoServerSpec resolvedGlobalTopo, PVCDeletionPolicy? clusterPolicy)
    {
        ArgumentNullException.ThrowIfNull(resolvedGlobalTopo);
        return MergeRules.MergePvcDeletionPolicy(
            resolvedGlobalTopo.Etcd?.PvcDeletionPolicy,
            MergeRules.MergePvcDeletionPolicy(resolvedGlobalTopo.PvcDeletionPolicy, clusterPolicy));
    }
}
