using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Shards;

/// <summary>
/// <c>cleanupShardPVCs</c> of spec §6.8.3, run once the Shard's pods are gone: which PVCs under <c>whenDeleted: Delete</c>
/// are deleted now and which are kept as orphans (label <c>multigres.com/orphan-since</c>, Shard owner reference removed)
/// for <c>multigres-gc</c> to reclaim later. Per pool and cell the lowest three ordinals are kept, so a shard deleted by
/// mistake can still be recovered from its most likely volumes; the shard backup PVC is always kept. Retain PVCs are
/// not touched at all.
/// </summary>
public static class ShardDeletionPvcPlan
{
    /// <summary>One PVC's fate; <see cref="Orphan"/> false means delete.</summary>
    public sealed record Step(string PvcName, bool Orphan);

    public static IReadOnlyList<Step> Plan(Shard shard, IEnumerable<PersistentVolumeClaim> shardPvcs)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var steps = new List<Step>();
        var deletable = shardPvcs.Where(p => p.Metadata.Name is not null && EffectivePolicy(shard, p) == PVCRetentionPolicyType.Delete);
        foreach (var group in deletable.GroupBy(GroupKey, StringComparer.Ordinal))
        {
            var names = group.Select(p => p.Metadata.Name!).OrderDescending(StringComparer.Ordinal).ToList();
            for (var i = 0; i < names.Count; i++)
            {
                var liveCount = names.Count - i; // this one and the ones not processed yet
                var orphan = PoolScaleDecisions.PodIndex(names[i]) is null || liveCount - 1 < OrphanPvcDecisions.MinimumLivePvcs;
                steps.Add(new Step(names[i], orphan));
            }
        }

        return steps;
    }

    private static string GroupKey(PersistentVolumeClaim pvc) =>
        (pvc.Metadata.Labels?.GetValueOrDefault(LabelKeys.Pool) ?? "") + "/" + (pvc.Metadata.Labels?.GetValueOrDefault(LabelKeys.Cell) ?? "");

    /// <summary>The pool-merged policy when the PVC's pool still exists, else the shard's; unset is the CRD default Retain.</summary>
    private static PVCRetentionPolicyType EffectivePolicy(Shard shard, PersistentVolumeClaim pvc)
    {
        var policy = pvc.Metadata.Labels?.GetValueOrDefault(LabelKeys.Pool) is { } pool && shard.Spec.Pools.TryGetValue(pool, out var spec)
            ? PoolDataPvcBuilder.EffectivePolicy(shard, spec)
            : shard.Spec.PvcDeletionPolicy;
        return policy?.WhenDeleted ?? PVCRetentionPolicyType.Retain;
    }
}
