namespace MultigresOrleans.Grains.Builders.TopoServers;

using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The two Services of a TopoServer (spec §6.4). The headless one gives each etcd member the stable DNS name that
/// <c>ETCD_INITIAL_CLUSTER</c> refers to, and publishes not-ready addresses because members must reach each other before
/// any of them is ready; the client one is what components dial (<c>&lt;name&gt;.&lt;ns&gt;.svc:2379</c>).
/// </summary>
public static class TopoServerServicesBuilder
{
    public const string IpFamilyPolicy = "PreferDualStack";

    /// <summary><c>&lt;name&gt;-headless</c>: clusterIP None, client and peer ports.</summary>
    public static Service BuildHeadless(TopoServer topoServer)
    {
        ArgumentNullException.ThrowIfNull(topoServer);
        var name = EtcdStatefulSetBuilder.NameOf(topoServer);
        var service = Base(topoServer, ResourceNames.TopoServerHeadlessServiceName(name));
        service.Spec!.ClusterIP = "None";
        service.Spec.PublishNotReadyAddresses = true;
        service.Spec.Ports =
        [
            Port(EtcdStatefulSetBuilder.ClientPortName, EtcdStatefulSetBuilder.ClientPort),
            Port(EtcdStatefulSetBuilder.PeerPortName, EtcdStatefulSetBuilder.PeerPort),
        ];
        return service;
    }

    /// <summary><c>&lt;name&gt;</c>: a ClusterIP Service with the client port only.</summary>
    public static Service BuildClient(TopoServer topoServer)
    {
        ArgumentNullException.ThrowIfNull(topoServer);
        var service = Base(topoServer, EtcdStatefulSetBuilder.NameOf(topoServer));
        service.Spec!.Type = "ClusterIP";
        service.Spec.Ports = [Port(EtcdStatefulSetBuilder.ClientPortName, EtcdStatefulSetBuilder.ClientPort)];
        return service;
    }

    private static Service Base(TopoServer topoServer, string name)
    {
        var labels = EtcdStatefulSetBuilder.WorkloadLabels(topoServer);
        using var policy = JsonDocument.Parse(JsonValue.Create(IpFamilyPolicy).ToJsonString());
        return new Service
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = EtcdStatefulSetBuilder.NamespaceOf(topoServer),
                Labels = labels,
                OwnerReferences = [Labels.ControllerReference(topoServer)],
            },
            Spec = new ServiceSpec
            {
                Selector = Labels.Selector(labels),
                ExtensionData = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["ipFamilyPolicy"] = policy.RootElement.Clone() },
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
