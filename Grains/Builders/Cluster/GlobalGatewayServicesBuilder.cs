using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Builders.Cluster;

/// <summary>
/// The cluster-wide gateway Services <c>&lt;cluster&gt;-multigateway</c> and <c>&lt;cluster&gt;-multigateway-replica</c>
/// (spec §6.1.2). Their selector is only component + instance, deliberately without the cell label, so they span the
/// gateways of every cell; the target ports are named so each cell's Deployment decides the container port.
/// </summary>
public static class GlobalGatewayServicesBuilder
{
    public const int PostgresPort = 5432;
    public const int ReplicaPort = 5433;
    public const string PostgresPortName = "postgres";
    public const string ReplicaPortName = "pg-replica";

    /// <summary>
    /// The primary entry point. With <c>externalGateway.enabled</c> it gains externalIPs and the user's annotations while
    /// staying ClusterIP (the reference never switches it to LoadBalancer).
    /// </summary>
    public static Service BuildGatewayService(MultigresCluster cluster)
    {
        var external = cluster.Spec.ExternalGateway is { Enabled: true } e ? e : null;
        var spec = new ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Selector(cluster),
            Ports = [ProbeShapes.ServicePort(PostgresPortName, PostgresPort, JsonValue.Create(PostgresPortName))],
        };
        if (external?.ExternalIPs is { Count: > 0 } ips)
            ProbeShapes.SetExternalIps(spec, ips);
        return new Service
        {
            Metadata = ClusterMetadata.Child(
                cluster,
                ResourceNames.GlobalGatewayServiceName(ClusterMetadata.NameOf(cluster)),
                ClusterMetadata.ComponentLabels(cluster, Components.Multigateway),
                ClusterMetadata.CopyOrNull(external?.Annotations)),
            Spec = spec,
        };
    }

    /// <summary>Replica reads across all cells: <c>pg-replica</c> 5433, never externally exposed.</summary>
    public static Service BuildReplicaService(MultigresCluster cluster) => new()
    {
        Metadata = ClusterMetadata.Child(
            cluster,
            ResourceNames.GlobalGatewayReplicaServiceName(ClusterMetadata.NameOf(cluster)),
            ClusterMetadata.ComponentLabels(cluster, Components.Multigateway)),
        Spec = new ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Selector(cluster),
            Ports = [ProbeShapes.ServicePort(ReplicaPortName, ReplicaPort, JsonValue.Create(ReplicaPortName))],
        },
    };

    private static Dictionary<string, string> Selector(MultigresCluster cluster) => new(StringComparer.Ordinal)
    {
        [LabelKeys.AppComponent] = Components.Multigateway,
        [LabelKeys.AppInstance] = ClusterMetadata.NameOf(cluster),
    };
}
