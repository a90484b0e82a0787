namespace MultigresOrleans.Grains.Builders.Shards;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;

/// <summary>
/// Names and labels shared by a shard's per-cell multiorch Deployment and Service (spec §4.2, §6.5.1). Both derive their
/// selector from <see cref="Labels"/> here, so the Service always publishes exactly the Deployment's pods.
/// </summary>
public static class MultiOrchMetadata
{
    /// <summary><c>JWC(Default, cluster, db, tg, shard, "multiorch", cell)</c>.</summary>
    public static string DeploymentName(Shard shard, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return ResourceNames.MultiOrchDeploymentName(
            ShardObjectMetadata.ClusterName(shard), shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName, cell);
    }

    /// <summary><c>JWC(Service, cluster, db, tg, shard, "multiorch", cell)</c>.</summary>
    public static string ServiceName(Shard shard, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return ResourceNames.MultiOrchServiceName(
            ShardObjectMetadata.ClusterName(shard), shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName, cell);
    }

    /// <summary>
    /// <c>merge(shard labels, standard(multiorch) + cell + database + tablegroup)</c>. The cluster and shard labels come
    /// from the Shard's own labels, as in the reference; changing that would change the selector, which a Deployment
    /// cannot have updated.
    /// </summary>
    public static Dictionary<string, string> Labels(Shard shard, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(cell);
        var operatorLabels = Builders.Labels.Standard(ShardObjectMetadata.ClusterName(shard), Components.Multiorch);
        operatorLabels[LabelKeys.Cell] = cell;
        operatorLabels[LabelKeys.Database] = shard.Spec.DatabaseName;
        operatorLabels[LabelKeys.TableGroup] = shard.Spec.TableGroupName;
        return Builders.Labels.Merge(shard.Metadata.Labels, operatorLabels);
    }

    /// <summary>{component, instance, cluster, database, tablegroup, shard, cell}: the Deployment's and Service's selector.</summary>
    public static Dictionary<string, string> Selector(Shard shard, string cell) => Builders.Labels.Selector(Labels(shard, cell));
}
