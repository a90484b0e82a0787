namespace MultigresOrleans.Grains.Builders.PoolPods;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The data PVC of a pool pod (spec §6.6.2, owner rule §6.7). The PVC outlives its pod on purpose: a pod replaced by a
/// rolling update or a repair gets the same PVC back by name, so PostgreSQL restarts on its data instead of re-cloning.
/// </summary>
public static class PoolDataPvcBuilder
{
    public const string DefaultAccessMode = "ReadWriteOnce";

    /// <summary>
    /// The effective deletion policy of a pool's data PVCs: the pool's over the Shard's (which already folds in the
    /// table group's and cluster's, §6.7).
    /// </summary>
    public static PVCDeletionPolicy? EffectivePolicy(Shard shard, PoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(pool);
        return PvcPolicyResolver.Pool(pool, shard.Spec.PvcDeletionPolicy);
    }

    /// <summary>
    /// Whether the PVC carries a controller owner reference to the Shard. Only <c>whenDeleted: Delete</c> gives it one, so
    /// that the garbage collector (through the Shard finalizer) removes it with the Shard; an unset policy counts as the
    /// schema default <c>Retain</c>.
    /// </summary>
    public static bool OwnedByShard(PVCDeletionPolicy? effectivePolicy) =>
        effectivePolicy?.WhenDeleted == PVCRetentionPolicyType.Delete;

    /// <summary>The desired size of a pool's data PVCs: <c>pool.storage.size</c>, else 1Gi.</summary>
    public static Quantity DesiredSize(PoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return string.IsNullOrEmpty(pool.Storage?.Size) ? new Quantity(HardcodedDefaults.PoolStorageSize) : new Quantity(pool.Storage.Size);
    }

    /// <summary>The data PVC of pool pod <paramref name="index"/>.</summary>
    public static PersistentVolumeClaim Build(Shard shard, string poolName, string cell, PoolSpec pool, int index)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var labels = PoolPodMetadata.PodLabels(shard, poolName, cell);
        labels[LabelKeys.Cluster] = PoolPodMetadata.ClusterName(shard);

        return new PersistentVolumeClaim
        {
            Metadata = new ObjectMeta
            {
                Name = PoolPodMetadata.DataPvcName(shard, poolName, cell, index),
                Namespace = PoolPodMetadata.Namespace(shard),
                Labels = labels,
                OwnerReferences = OwnedByShard(EffectivePolicy(shard, pool)) ? [Labels.ControllerReference(shard)] : null,
            },
            Spec = new PersistentVolumeClaimSpec
            {
                AccessModes = pool.Storage?.AccessModes is { Count: > 0 } modes ? modes.ToList() : [DefaultAccessMode],
                Resources = new ResourceRequirements
                {
                    Requests = new Dictionary<string, Quantity>(StringComparer.Ordinal) { ["storage"] = DesiredSize(pool) },
                },
                StorageClassName = string.IsNullOrEmpty(pool.Storage?.Class) ? null : pool.Storage.Class,
            },
        };
    }
}
