using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Builders.Cluster;

/// <summary>
/// The Cell CR the cluster controller writes for one spec cell (spec §6.1 "Cell CR content"). Everything the Cell
/// controller needs is copied in resolved form, so it never reads the MultigresCluster or a template itself.
/// </summary>
public static class CellCrBuilder
{
    /// <param name="cluster">The owner.</param>
    /// <param name="cell">The cell's entry in <c>spec.cells</c>.</param>
    /// <param name="resolved">The cell after template resolution (<see cref="CellResolver.ResolveCell"/>).</param>
    /// <param name="images">The completed images of §6.1.3.</param>
    /// <param name="globalTopoServer">§6.1.1, from <see cref="GlobalTopoServerBuilder.Ref"/>.</param>
    public static Cell Build(
        MultigresCluster cluster,
        CellConfig cell,
        ResolvedCell resolved,
        ClusterImages images,
        GlobalTopoServerRef globalTopoServer)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(globalTopoServer);
        var clusterName = ClusterMetadata.NameOf(cluster);
        var labels = ClusterMetadata.ComponentLabels(cluster, Components.Cell);
        labels[LabelKeys.Cell] = cell.Name;

        return new Cell
        {
            Metadata = ClusterMetadata.Child(
                cluster, ResourceNames.CellName(clusterName, cell.Name), labels, Labels.ProjectRefAnnotation(cluster.Metadata)),
            Spec = new CellSpec
            {
                Name = cell.Name,
                ZoneId = string.IsNullOrEmpty(cell.ZoneId) ? null : cell.ZoneId,
                Region = string.IsNullOrEmpty(cell.Region) ? null : cell.Region,
                Images = new CellImages
                {
                    Multigateway = images.Multigateway
                        ?? throw new ArgumentException("images.multigateway is empty; pass the completed images of §6.1.3", nameof(images)),
                    ImagePullPolicy = images.ImagePullPolicy,
                    ImagePullSecrets = images.ImagePullSecrets,
                },
                Multigateway = resolved.Multigateway,
                MultigatewayPlacement = resolved.MultigatewayPlacement,
                AllCells = (cluster.Spec.Cells ?? []).Select(c => c.Name).ToList(),
                GlobalTopoServer = globalTopoServer,
                TopoServer = resolved.LocalTopoServer,
                TopologyReconciliation = new TopologyReconciliation
                {
                    RegisterCell = true,
                    PrunePoolers = PruningEnabled(cluster.Spec),
                },
                Observability = cluster.Spec.Observability,
                LogLevels = cluster.Spec.LogLevels,
                InternalTls = cluster.Spec.InternalTls,
                CertCommonName = string.IsNullOrEmpty(cluster.Spec.CertCommonName) ? null : cluster.Spec.CertCommonName,
            },
        };
    }

    /// <summary><c>topologyPruning.enabled</c> is a nil-means-true pointer (spec §1.1).</summary>
    public static bool PruningEnabled(MultigresClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.TopologyPruning?.Enabled ?? true;
    }
}
