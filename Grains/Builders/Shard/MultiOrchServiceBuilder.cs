namespace MultigresOrleans.Grains.Builders.Shards;

using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The per-cell multiorch ClusterIP Service (spec §6.5.1). The target ports are the container's port <i>names</i>, so a
/// future port renumbering in the Deployment cannot silently break the Service.
/// </summary>
public static class MultiOrchServiceBuilder
{
    public static Service Build(Shard shard, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(cell);
        var labels = MultiOrchMetadata.Labels(shard, cell);
        return new Service
        {
            Metadata = new ObjectMeta
            {
                Name = MultiOrchMetadata.ServiceName(shard, cell),
                Namespace = ShardObjectMetadata.Namespace(shard),
                Labels = labels,
                OwnerReferences = [Labels.ControllerReference(shard)],
            },
            Spec = new ServiceSpec
            {
                Type = "ClusterIP",
                Selector = Labels.Selector(labels),
                Ports =
                [
                    ProbeShapes.ServicePort(MultiOrchDeploymentBuilder.HttpPortName, MultiOrchDeploymentBuilder.HttpPort, JsonValue.Create(MultiOrchDeploymentBuilder.HttpPortName)),
                    ProbeShapes.ServicePort(MultiOrchDeploymentBuilder.GrpcPortName, MultiOrchDeploymentBuilder.GrpcPort, JsonValue.Create(MultiOrchDeploymentBuilder.GrpcPortName)),
                ],
            },
        };
    }

    /// <summary>Warning <c>FailedApply</c> event text when the Service of <paramref name="cell"/> cannot be applied.</summary>
    public static string FailedApplyMessage(string cell, string error) => $"Failed to supply Multiorch Service for cell {cell}: {error}";
}
