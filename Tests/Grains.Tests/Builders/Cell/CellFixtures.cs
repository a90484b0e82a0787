using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Cells;

/// <summary>Cells as the cluster controller writes them for the spec's samples (§4.2, §15).</summary>
internal static class CellFixtures
{
    public const string Namespace = "default";
    public const string CellUid = "6f1c7c2e-0000-4000-8000-000000000001";

    /// <summary>Cell <c>zone-a</c> of sample <c>minimal</c>: zone id, no TLS, no local topology, buffer enabled only.</summary>
    public static Cell Minimal(Func<CellSpec, CellSpec>? edit = null, Dictionary<string, string>? annotations = null)
    {
        var spec = new CellSpec
        {
            Name = "zone-a",
            ZoneId = "us-east-1a",
            Images = new CellImages { Multigateway = "ghcr.io/multigres/multigres:sha-test" },
            Multigateway = new MultigatewaySpec { Buffer = new GatewayBufferConfig { Enabled = true } },
            GlobalTopoServer = new GlobalTopoServerRef
            {
                Address = "minimal-global-topo.default.svc:2379",
                RootPath = "/multigres/global",
                Implementation = "etcd",
            },
            LogLevels = new ComponentLogLevels { Multigateway = LogLevel.Info },
        };
        return new Cell
        {
            Metadata = new ObjectMeta
            {
                Name = "minimal-zone-a-96c88ae0",
                Namespace = Namespace,
                Uid = CellUid,
                Generation = 3,
                Labels = new Dictionary<string, string>
                {
                    [LabelKeys.Cluster] = "minimal",
                    [LabelKeys.Cell] = "zone-a",
                    [LabelKeys.AppInstance] = "minimal",
                    [LabelKeys.AppComponent] = Components.Cell,
                },
                Annotations = annotations,
            },
            Spec = edit is null ? spec : edit(spec),
        };
    }

    /// <summary>Cell <c>zone-b-isolated</c> of sample <c>external-etcd</c> (cluster <c>ext-etcd</c>) with a managed local etcd.</summary>
    public static Cell ExtEtcdZoneB(LocalTopoServerSpec? topo)
    {
        var cell = Minimal(s => s with { Name = "zone-b-isolated", ZoneId = null, Region = "us-east-1", TopoServer = topo });
        cell.Metadata.Name = "ext-etcd-zone-b-isolated-30635d5a";
        cell.Metadata.Labels![LabelKeys.Cluster] = "ext-etcd";
        cell.Metadata.Labels[LabelKeys.AppInstance] = "ext-etcd";
        cell.Metadata.Labels[LabelKeys.Cell] = "zone-b-isolated";
        return cell;
    }
}
