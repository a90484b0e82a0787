namespace MultigresOrleans.Grains.Builders.Cells;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;

/// <summary>
/// Names and labels shared by a cell's gateway Deployment, its Service and the pod lookup of the Cell status (spec §6.3).
/// The gateway objects carry <b>no</b> <c>multigres.com/cluster</c> label (the reference never set one, and adding it
/// now would change the Deployment's selector, which Kubernetes refuses to update); the cluster is still identified by
/// <c>app.kubernetes.io/instance</c>.
/// </summary>
public static class GatewayMetadata
{
    /// <summary>The owning cluster, read from the Cell's <c>multigres.com/cluster</c> label like the reference does.</summary>
    public static string ClusterName(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.Metadata.Labels is { } labels && labels.TryGetValue(LabelKeys.Cluster, out var cluster) && cluster.Length > 0
            ? cluster
            : throw new ArgumentException($"Cell {cell.Metadata.Name} has no {LabelKeys.Cluster} label; every operator-built Cell carries one", nameof(cell));
    }

    /// <summary>The Cell's namespace; every child lives there.</summary>
    public static string Namespace(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.Metadata.Namespace ?? throw new ArgumentException($"Cell {cell.Metadata.Name} has no metadata.namespace", nameof(cell));
    }

    /// <summary><c>JWC(Default, cluster, cell, "multigateway")</c>.</summary>
    public static string DeploymentName(Cell cell) => ResourceNames.GatewayDeploymentName(ClusterName(cell), cell.Spec.Name);

    /// <summary><c>JWC(Service, cluster, cell, "multigateway")</c>.</summary>
    public static string ServiceName(Cell cell) => ResourceNames.GatewayServiceName(ClusterName(cell), cell.Spec.Name);

    /// <summary>Standard labels (component multigateway) + cell + zone-id or region.</summary>
    public static Dictionary<string, string> Labels(Cell cell)
    {
        var labels = Builders.Labels.Standard(ClusterName(cell), Components.Multigateway);
        labels[LabelKeys.Cell] = cell.Spec.Name;
        if (!string.IsNullOrEmpty(cell.Spec.ZoneId))
            labels[LabelKeys.ZoneId] = cell.Spec.ZoneId;
        if (!string.IsNullOrEmpty(cell.Spec.Region))
            labels[LabelKeys.Region] = cell.Spec.Region;
        return labels;
    }

    /// <summary>The selector {component, instance, cell}: also the pod lookup for crash-loop detection in the Cell status.</summary>
    public static Dictionary<string, string> SelectorLabels(Cell cell) => Builders.Labels.Selector(Labels(cell));

    /// <summary>
    /// The project the gateway pods belong to: the Cell's <c>multigres.com/project-ref</c> when non-empty, else the cluster
    /// name (spec §5.2). Also the <c>multigres.project</c> OTEL resource attribute.
    /// </summary>
    public static string ProjectRef(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.Metadata.Annotations is { } annotations && annotations.TryGetValue(AnnotationKeys.ProjectRef, out var project) && project.Length > 0
            ? project
            : ClusterName(cell);
    }
}
