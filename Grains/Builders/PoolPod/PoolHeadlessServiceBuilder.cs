namespace MultigresOrleans.Grains.Builders.PoolPods;

using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The per-pool-per-cell headless Service (spec §6.6.3). It exists for DNS, not load balancing: it is every pool pod's
/// <c>subdomain</c>, giving each pod a stable FQDN that pgBackRest certificates name and peers dial. Not-ready
/// addresses are published because a replica must be reachable while it is still catching up.
/// </summary>
public static class PoolHeadlessServiceBuilder
{
    /// <summary>The headless Service of <paramref name="poolName"/> in <paramref name="cell"/>, controller-owned by the Shard.</summary>
    public static Service Build(Shard shard, string poolName, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return new Service
        {
            Metadata = new ObjectMeta
            {
                Name = PoolPodMetadata.HeadlessServiceName(shard, poolName, cell),
                Namespace = PoolPodMetadata.Namespace(shard),
                Labels = PoolPodMetadata.PodLabels(shard, poolName, cell),
                OwnerReferences = [Labels.ControllerReference(shard)],
            },
            Spec = new ServiceSpec
            {
                ClusterIP = "None",
                Selector = PoolPodMetadata.Selector(shard, poolName, cell),
                PublishNotReadyAddresses = true,
                Ports =
                [
                    Port(PoolContainers.HttpPortName, PoolContainers.MultipoolerHttpPort),
                    Port(PoolContainers.GrpcPortName, PoolContainers.MultipoolerGrpcPort),
                    Port(PoolContainers.PostgresPortName, PoolContainers.PostgresPort),
                    Port(PoolContainers.MetricsPortName, PoolContainers.ExporterPort),
                ],
            },
        };
    }

    /// <summary>Targets the container port by name, so a port renumbering in the pod cannot leave the Service pointing nowhere.</summary>
    private static ServicePort Port(string name, int port) => ProbeShapes.ServicePort(name, port, JsonValue.Create(name));
}
