using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Silo.Dispatch;

/// <summary>
/// Which grains an informer event wakes (spec §6: each controller's For / Owns / Watches). Pure:
/// an object in, targets out. An object wakes its own grain (For), its controlling owner's grain
/// (Owns), and a Multigres child also its cluster, whose status aggregates it.
/// </summary>
public static class EventRouting
{
    public static IEnumerable<GrainTarget> For(IKubernetesObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var meta = obj.Metadata;
        var ns = meta.Namespace ?? "";
        switch (obj)
        {
            case MultigresCluster:
                yield return new(GrainKind.Cluster, GrainKeys.Of(ns, meta.Name!));
                yield break;
            case CoreTemplate or CellTemplate or ShardTemplate:
                yield return new(GrainKind.Template, GrainKeys.Template(obj.Kind, ns, meta.Name!));
                yield break;
            case Cell:
                yield return new(GrainKind.Cell, GrainKeys.Of(ns, meta.Name!));
                break;
            case TableGroup:
                yield return new(GrainKind.TableGroup, GrainKeys.Of(ns, meta.Name!));
                break;
            case TopoServer:
                yield return new(GrainKind.TopoServer, GrainKeys.Of(ns, meta.Name!));
                break;
            case Shard:
                yield return new(GrainKind.Shard, GrainKeys.Of(ns, meta.Name!));
                break;
        }

        if (ControllerOf(meta) is { } owner && TargetOf(owner.Kind, ns, owner.Name) is { } ownerTarget)
            yield return ownerTarget;
        else if (obj is PersistentVolumeClaim && ShardOfLabels(meta) is { } shardName)
            yield return new(GrainKind.Shard, GrainKeys.Of(ns, shardName)); // a Retain-policy PVC has no owner reference

        // Cells, TableGroups and TopoServers (also local ones, owned by a Cell) feed the cluster's status.
        if (obj is Cell or TableGroup or TopoServer && meta.Labels?.GetValueOrDefault(LabelKeys.Cluster) is { Length: > 0 } cluster
            && ControllerOf(meta)?.Kind != ApiConstants.MultigresClusterKind)
            yield return new(GrainKind.Cluster, GrainKeys.Of(ns, cluster));
    }

    /// <summary>The Shard CR a pool object belongs to, from its multigres.com labels (spec §4.2 naming).</summary>
    private static string? ShardOfLabels(ObjectMeta meta) =>
        meta.Labels is { } l && l.TryGetValue(LabelKeys.Cluster, out var cluster) && l.TryGetValue(LabelKeys.Database, out var database)
        && l.TryGetValue(LabelKeys.TableGroup, out var tableGroup) && l.TryGetValue(LabelKeys.Shard, out var shard)
            ? Grains.Naming.ResourceNames.ShardName(cluster, database, tableGroup, shard)
            : null;

    private static OwnerReference? ControllerOf(ObjectMeta meta) => meta.OwnerReferences?.FirstOrDefault(o => o.Controller == true);

    private static GrainTarget? TargetOf(string kind, string ns, string name) => kind switch
    {
        ApiConstants.MultigresClusterKind => new(GrainKind.Cluster, GrainKeys.Of(ns, name)),
        ApiConstants.CellKind => new(GrainKind.Cell, GrainKeys.Of(ns, name)),
        ApiConstants.TableGroupKind => new(GrainKind.TableGroup, GrainKeys.Of(ns, name)),
        ApiConstants.TopoServerKind => new(GrainKind.TopoServer, GrainKeys.Of(ns, name)),
        ApiConstants.ShardKind => new(GrainKind.Shard, GrainKeys.Of(ns, name)),
        _ => null,
    };
}
