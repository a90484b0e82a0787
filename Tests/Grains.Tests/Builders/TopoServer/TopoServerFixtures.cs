using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.TopoServers;

/// <summary>TopoServer CRs as the cluster controller (global) and the Cell controller (local) write them.</summary>
internal static class TopoServerFixtures
{
    public const string Uid = "7a2d0000-0000-4000-8000-000000000002";

    /// <summary>The global TopoServer of sample <c>minimal</c>: <c>minimal-global-topo</c>, labels standard(global-topo) + cluster.</summary>
    public static TopoServer Global(EtcdSpec? etcd = null, PVCDeletionPolicy? policy = null, PodPlacementSpec? placement = null) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "minimal-global-topo",
            Namespace = "default",
            Uid = Uid,
            Generation = 2,
            Labels = new Dictionary<string, string>
            {
                ["app.kubernetes.io/name"] = "multigres",
                ["app.kubernetes.io/instance"] = "minimal",
                ["app.kubernetes.io/component"] = "global-topo",
                ["app.kubernetes.io/part-of"] = "multigres",
                ["app.kubernetes.io/managed-by"] = "multigres-operator",
                ["multigres.com/cluster"] = "minimal",
            },
        },
        Spec = new TopoServerSpec { Etcd = etcd ?? new EtcdSpec(), PvcDeletionPolicy = policy, Placement = placement },
    };

    /// <summary>The local TopoServer of cell <c>zone-b-isolated</c> in cluster <c>ext-etcd</c>.</summary>
    public static TopoServer Local() => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55",
            Namespace = "ns1",
            Uid = Uid,
            Generation = 1,
            Labels = new Dictionary<string, string>
            {
                ["app.kubernetes.io/name"] = "multigres",
                ["app.kubernetes.io/instance"] = "ext-etcd",
                ["app.kubernetes.io/component"] = "local-topo",
                ["app.kubernetes.io/part-of"] = "multigres",
                ["app.kubernetes.io/managed-by"] = "multigres-operator",
                ["multigres.com/cluster"] = "ext-etcd",
                ["multigres.com/cell"] = "zone-b-isolated",
            },
        },
        Spec = new TopoServerSpec { Etcd = new EtcdSpec { Replicas = 1 } },
    };
}
