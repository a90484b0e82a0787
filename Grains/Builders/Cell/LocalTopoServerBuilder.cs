namespace MultigresOrleans.Grains.Builders.Cells;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The managed cell-local TopoServer CR (spec §6.3.1). The Cell owns it so the TopoServer controller can build its etcd
/// exactly as for the global one; the PVC policy is the local etcd spec's own, never merged with the cluster's, because
/// a local topology's data lifecycle is decided where it is configured.
/// </summary>
public static class LocalTopoServerBuilder
{
    /// <summary><c>JWC(StatefulSet, &lt;CellCR&gt;, "topo")</c>: at most 52 characters so the StatefulSet's pod names still fit.</summary>
    public static string Name(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return ResourceNames.LocalTopoServerName(cell.Metadata.Name ?? throw new ArgumentException("the Cell has no metadata.name", nameof(cell)));
    }

    /// <summary>Whether the Cell asks for a managed local etcd (an external or absent local topology deploys nothing).</summary>
    public static bool HasManaged(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.Spec.TopoServer?.Etcd is not null;
    }

    /// <summary>The desired TopoServer, or null when the Cell has no managed local etcd (an existing owned one is then stale).</summary>
    public static TopoServer? Build(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.Spec.TopoServer?.Etcd is not { } etcd)
            return null;
        var cluster = GatewayMetadata.ClusterName(cell);
        var labels = Labels.Standard(cluster, Components.LocalTopo);
        labels[LabelKeys.Cluster] = cluster;
        labels[LabelKeys.Cell] = cell.Spec.Name;
        return new TopoServer
        {
            Metadata = new ObjectMeta
            {
                Name = Name(cell),
                Namespace = GatewayMetadata.Namespace(cell),
                Labels = labels,
                OwnerReferences = [Labels.ControllerReference(cell)],
            },
            Spec = new TopoServerSpec
            {
                Etcd = etcd,
                PvcDeletionPolicy = etcd.PvcDeletionPolicy,
            },
        };
    }

    /// <summary>
    /// Whether <paramref name="child"/> is controlled by <paramref name="cell"/>: by UID when the Cell has one, else by
    /// apiVersion/kind/name (a Cell not yet read back from the server). A same-named TopoServer controlled by anything
    /// else must never be adopted, changed or deleted.
    /// </summary>
    public static bool IsControlledBy(ObjectMeta child, Cell cell)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(cell);
        var controller = child.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (controller is null)
            return false;
        if (!string.IsNullOrEmpty(cell.Metadata.Uid))
            return controller.Uid == cell.Metadata.Uid;
        return controller.ApiVersion == ApiConstants.ApiVersion && controller.Kind == ApiConstants.CellKind && controller.Name == cell.Metadata.Name;
    }

    /// <summary>Error text when a same-named TopoServer belongs to someone else and the Cell wanted to apply it.</summary>
    public static string RefusingToManageMessage(Cell cell, TopoServer existing) =>
        $"refusing to manage local TopoServer {existing.Metadata.Namespace}/{existing.Metadata.Name} not controlled by Cell {cell.Metadata.Namespace}/{cell.Metadata.Name}";

    /// <summary>Error text when a same-named TopoServer belongs to someone else and the Cell wanted to wait on it.</summary>
    public static string RefusingToUseMessage(Cell cell, TopoServer existing) =>
        $"refusing to use local TopoServer {existing.Metadata.Namespace}/{existing.Metadata.Name} not controlled by Cell {cell.Metadata.Namespace}/{cell.Metadata.Name}";

    /// <summary>Error text when a same-named TopoServer belongs to someone else and the Cell, pending deletion, wanted to delete it.</summary>
    public static string RefusingToDeleteMessage(Cell cell, TopoServer existing) =>
        $"refusing to delete local TopoServer {existing.Metadata.Namespace}/{existing.Metadata.Name} not controlled by Cell {cell.Metadata.Namespace}/{cell.Metadata.Name}";
}
