namespace MultigresOrleans.Grains.Builders.PoolPods;

using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The per-pool-per-cell PodDisruptionBudget (spec §6.6.3): voluntary evictions (node drains, cluster upgrades) may take
/// at most one pod of a pool in a cell at a time, matching the operator's own one-drain-at-a-time rule (§6.9).
/// </summary>
public static class PoolPdbBuilder
{
    public const int MaxUnavailable = 1;

    /// <summary>The PDB of <paramref name="poolName"/> in <paramref name="cell"/>, controller-owned by the Shard.</summary>
    public static PodDisruptionBudget Build(Shard shard, string poolName, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return new PodDisruptionBudget
        {
            Metadata = new ObjectMeta
            {
                Name = PoolPodMetadata.PdbName(shard, poolName, cell),
                Namespace = PoolPodMetadata.Namespace(shard),
                Labels = PoolPodMetadata.OperatorLabels(shard, poolName, cell),
                OwnerReferences = [Labels.ControllerReference(shard)],
            },
            Spec = new PodDisruptionBudgetSpec
            {
                MaxUnavailable = JsonValue.Create(MaxUnavailable),
                Selector = new LabelSelector { MatchLabels = PoolPodMetadata.Selector(shard, poolName, cell) },
            },
        };
    }
}
