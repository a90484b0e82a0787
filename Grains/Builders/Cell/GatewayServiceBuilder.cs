namespace MultigresOrleans.Grains.Builders.Cells;

using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The per-cell gateway Service (spec §6.3): ClusterIP over the cell's gateway pods with the http, grpc and postgres ports.
/// The replica port 5433 is deliberately not exposed per cell; replica reads go through the cluster-wide replica Service.
/// </summary>
public static class GatewayServiceBuilder
{
    public static Service Build(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var labels = GatewayMetadata.Labels(cell);
        return new Service
        {
            Metadata = new ObjectMeta
            {
                Name = GatewayMetadata.ServiceName(cell),
                Namespace = GatewayMetadata.Namespace(cell),
                Labels = labels,
                OwnerReferences = [Labels.ControllerReference(cell)],
            },
            Spec = new ServiceSpec
            {
                Type = "ClusterIP",
                Selector = Labels.Selector(labels),
                Ports =
                [
                    Port(GatewayDeploymentBuilder.HttpPortName, GatewayDeploymentBuilder.HttpPort),
                    Port(GatewayDeploymentBuilder.GrpcPortName, GatewayDeploymentBuilder.GrpcPort),
                    Port(GatewayDeploymentBuilder.PostgresPortName, GatewayDeploymentBuilder.PostgresPort),
                ],
            },
        };
    }

    private static ServicePort Port(string name, int port) => new()
    {
        Name = name,
        Port = port,
        TargetPort = JsonValue.Create(name),
        Protocol = "TCP",
    };
}
