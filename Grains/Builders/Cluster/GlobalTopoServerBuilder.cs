using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Builders.Cluster;

/// <summary>
/// The global topology server as the cluster controller deploys it (spec §6.4 first paragraph, §6.1 step 7a) and the
/// reference every child uses to find it (§6.1.1). The reference is computed from the resolved spec, never from the
/// TopoServer object, so children can be built before etcd exists.
/// </summary>
public static class GlobalTopoServerBuilder
{
    /// <summary>
    /// The managed etcd TopoServer CR <c>&lt;cluster&gt;-global-topo</c>, or null when the resolved spec is external
    /// (the caller then deletes every TopoServer labelled with the cluster).
    /// </summary>
    public static TopoServer? Build(MultigresCluster cluster, GlobalTopoServerSpec resolved)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(resolved);
        if (resolved.Etcd is not { } etcd)
            return null;

        var name = ResourceNames.GlobalTopoServerName(ClusterMetadata.NameOf(cluster));
        return new TopoServer
        {
            Metadata = ClusterMetadata.Child(cluster, name, ClusterMetadata.ComponentLabels(cluster, Components.GlobalTopo)),
            Spec = new TopoServerSpec
            {
                // Only these five fields: the etcd-level pvcDeletionPolicy is folded into the spec-level merge below.
                Etcd = new EtcdSpec
                {
                    Image = etcd.Image,
                    Replicas = etcd.Replicas,
                    Storage = etcd.Storage,
                    Resources = etcd.Resources,
                    RootPath = etcd.RootPath,
                },
                PvcDeletionPolicy = PvcPolicyResolver.GlobalEtcd(resolved, cluster.Spec.PvcDeletionPolicy),
                Placement = resolved.Placement,
            },
        };
    }

    /// <summary>
    /// <c>GlobalTopoServerRef</c> (§6.1.1): the managed server's client Service address, or the first external
    /// endpoint verbatim (scheme included, as the reference passes it on).
    /// </summary>
    public static GlobalTopoServerRef Ref(MultigresCluster cluster, GlobalTopoServerSpec resolved)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(resolved);
        if (resolved.External is { } external)
        {
            return new GlobalTopoServerRef
            {
                Address = external.Endpoints.Count > 0
                    ? external.Endpoints[0]
                    : throw new ArgumentException("the external global topology server has no endpoints", nameof(resolved)),
                RootPath = string.IsNullOrEmpty(external.RootPath) ? HardcodedDefaults.GlobalTopoRootPath : external.RootPath,
                Implementation = string.IsNullOrEmpty(external.Implementation) ? HardcodedDefaults.TopoImplementation : external.Implementation,
            };
        }

        var rootPath = resolved.Etcd?.RootPath;
        return new GlobalTopoServerRef
        {
            Address = ManagedAddress(cluster),
            RootPath = string.IsNullOrEmpty(rootPath) ? HardcodedDefaults.GlobalTopoRootPath : rootPath,
            Implementation = HardcodedDefaults.TopoImplementation,
        };
    }

    /// <summary><c>&lt;cluster&gt;-global-topo.&lt;ns&gt;.svc:2379</c>.</summary>
    public static string ManagedAddress(MultigresCluster cluster) =>
        ResourceNames.TopoServerClientAddress(
            ResourceNames.GlobalTopoServerName(ClusterMetadata.NameOf(cluster)),
            ClusterMetadata.NamespaceOf(cluster));
}
