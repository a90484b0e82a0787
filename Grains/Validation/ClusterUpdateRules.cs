using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// UPDATE-only checks of spec §3.1 (C) and (D): changes Kubernetes or etcd cannot carry out. A PVC
/// cannot shrink, and the topology etcd bootstraps its members statically, so its size is fixed.
/// </summary>
public static class ClusterUpdateRules
{
    /// <summary>The first pool (by <c>db/tg/shard/pool</c> key) whose inline storage size decreased, or null.</summary>
    public static string? StorageShrink(MultigresClusterSpec old, MultigresClusterSpec updated)
    {
        var before = PoolSizes(old);
        foreach (var (key, size) in PoolSizes(updated).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (before.TryGetValue(key, out var previous)
                && previous.TryGetValue(out var oldBytes) && size.TryGetValue(out var newBytes) && newBytes < oldBytes)
                return $"storage.size cannot be decreased ({key}: {previous} \u2192 {size}); PVC shrink is not supported by Kubernetes";
        }
        return null;
    }

    /// <summary>An error when the inline etcd replica count changed (external or unset counts are not compared when 0).</summary>
    public static string? EtcdReplicasChanged(MultigresClusterSpec old, MultigresClusterSpec updated)
    {
        var (before, after) = (TopologyWarnings.EffectiveInlineEtcdReplicas(old), TopologyWarnings.EffectiveInlineEtcdReplicas(updated));
        return before == 0 || after == 0 || before == after
            ? null
            : $"topology server (etcd) replicas cannot be changed after cluster creation ({before} \u2192 {after}); etcd uses static bootstrap which does not support dynamic member addition";
    }

    // Sizes come from the shard's inline spec when it has one, else its overrides; template values
    // are not considered (the reference does the same: a shrink through a template is not caught).
    private static Dictionary<string, Quantity> PoolSizes(MultigresClusterSpec spec)
    {
        var sizes = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        foreach (var database in spec.Databases ?? [])
        foreach (var tableGroup in database.TableGroups ?? [])
        foreach (var shard in tableGroup.Shards ?? [])
        {
            var pools = shard.Spec is not null ? shard.Spec.Pools : shard.Overrides?.Pools;
            foreach (var (pool, poolSpec) in pools ?? new Dictionary<string, PoolSpec>())
            {
                if (poolSpec.Storage?.Size is { Length: > 0 } size)
                    sizes[$"{database.Name}/{tableGroup.Name}/{shard.Name}/{pool}"] = new Quantity(size);
            }
        }
        return sizes;
    }
}
