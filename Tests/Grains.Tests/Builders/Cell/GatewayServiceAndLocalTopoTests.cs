using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Cells;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Cells;

/// <summary>The gateway Service (spec §6.3) and the managed local TopoServer CR (spec §6.3.1, name vector §4.2).</summary>
public sealed class GatewayServiceAndLocalTopoTests
{
    [Fact]
    public void Gateway_service_is_cluster_ip_with_three_named_ports_and_the_gateway_selector()
    {
        var service = GatewayServiceBuilder.Build(CellFixtures.Minimal());

        Assert.Equal("minimal-zone-a-multigateway-0ccc2e8b", service.Metadata.Name);
        Assert.Equal(("v1", "Service", "default"), (service.ApiVersion, service.Kind, service.Metadata.Namespace));
        Assert.Equal("ClusterIP", service.Spec!.Type);
        Assert.Equal(
            [("http", 15100, "http"), ("grpc", 15170, "grpc"), ("postgres", 5432, "postgres")],
            service.Spec.Ports!.Select(p => (p.Name, p.Port, (string?)p.TargetPort)));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/component"] = "multigateway", ["app.kubernetes.io/instance"] = "minimal", ["multigres.com/cell"] = "zone-a",
            },
            service.Spec.Selector);
        Assert.False(service.Metadata.Labels!.ContainsKey(LabelKeys.Cluster));
        Assert.Equal("us-east-1a", service.Metadata.Labels[LabelKeys.ZoneId]);
        Assert.Equal(CellFixtures.CellUid, Assert.Single(service.Metadata.OwnerReferences!).Uid);
    }

    [Fact]
    public void Gateway_selector_labels_match_the_deployment_selector()
    {
        var cell = CellFixtures.Minimal();

        Assert.Equal(GatewayDeploymentBuilder.Build(cell, Grains.Builders.OperatorEnvironment.Empty).Spec!.Selector!.MatchLabels, GatewayMetadata.SelectorLabels(cell));
    }

    [Fact]
    public void Managed_local_topo_server_for_ext_etcd_zone_b_has_the_spec_name_labels_and_etcd_copy()
    {
        var policy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain, WhenScaled = PVCRetentionPolicyType.Delete };
        var etcd = new EtcdSpec { Replicas = 1, RootPath = "/multigres/zone-b-isolated", PvcDeletionPolicy = policy };
        var cell = CellFixtures.ExtEtcdZoneB(new LocalTopoServerSpec { Etcd = etcd });

        var topo = LocalTopoServerBuilder.Build(cell);

        Assert.NotNull(topo);
        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55", topo.Metadata.Name);
        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55", LocalTopoServerBuilder.Name(cell));
        Assert.Equal(("multigres.com/v1alpha1", "TopoServer", "default"), (topo.ApiVersion, topo.Kind, topo.Metadata.Namespace));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/name"] = "multigres",
                ["app.kubernetes.io/instance"] = "ext-etcd",
                ["app.kubernetes.io/component"] = "local-topo",
                ["app.kubernetes.io/part-of"] = "multigres",
                ["app.kubernetes.io/managed-by"] = "multigres-operator",
                ["multigres.com/cluster"] = "ext-etcd",
                ["multigres.com/cell"] = "zone-b-isolated",
            },
            topo.Metadata.Labels);
        Assert.Equal(etcd, topo.Spec.Etcd);
        Assert.Equal(policy, topo.Spec.PvcDeletionPolicy);
        Assert.Null(topo.Spec.Placement);
        var owner = Assert.Single(topo.Metadata.OwnerReferences!);
        Assert.Equal(("Cell", "ext-etcd-zone-b-isolated-30635d5a", true), (owner.Kind, owner.Name, owner.Controller));
    }

    [Fact]
    public void External_or_absent_local_topology_builds_nothing()
    {
        var external = new LocalTopoServerSpec { External = new ExternalTopoServerSpec { Endpoints = ["http://etcd:2379"] } };

        Assert.Null(LocalTopoServerBuilder.Build(CellFixtures.ExtEtcdZoneB(external)));
        Assert.Null(LocalTopoServerBuilder.Build(CellFixtures.ExtEtcdZoneB(null)));
        Assert.False(LocalTopoServerBuilder.HasManaged(CellFixtures.ExtEtcdZoneB(external)));
        Assert.True(LocalTopoServerBuilder.HasManaged(CellFixtures.ExtEtcdZoneB(new LocalTopoServerSpec { Etcd = new EtcdSpec() })));
    }

    [Fact]
    public void Control_is_judged_by_uid_when_known_and_by_kind_and_name_otherwise()
    {
        var cell = CellFixtures.ExtEtcdZoneB(new LocalTopoServerSpec { Etcd = new EtcdSpec() });
        var ours = LocalTopoServerBuilder.Build(cell)!.Metadata;
        var foreign = new ObjectMeta
        {
            OwnerReferences = [new OwnerReference { ApiVersion = "multigres.com/v1alpha1", Kind = "Cell", Name = cell.Metadata.Name!, Uid = "other", Controller = true }],
        };
        var notController = new ObjectMeta
        {
            OwnerReferences = [new OwnerReference { ApiVersion = "multigres.com/v1alpha1", Kind = "Cell", Name = cell.Metadata.Name!, Uid = CellFixtures.CellUid }],
        };

        Assert.True(LocalTopoServerBuilder.IsControlledBy(ours, cell));
        Assert.False(LocalTopoServerBuilder.IsControlledBy(foreign, cell));
        Assert.False(LocalTopoServerBuilder.IsControlledBy(notController, cell));
        Assert.False(LocalTopoServerBuilder.IsControlledBy(new ObjectMeta(), cell));
        cell.Metadata.Uid = null;
        Assert.True(LocalTopoServerBuilder.IsControlledBy(foreign, cell));
    }

    [Fact]
    public void Refusal_messages_name_both_objects()
    {
        var cell = CellFixtures.ExtEtcdZoneB(new LocalTopoServerSpec { Etcd = new EtcdSpec() });
        var existing = new TopoServer { Metadata = new ObjectMeta { Name = "t", Namespace = "default" } };

        Assert.Equal(
            "refusing to manage local TopoServer default/t not controlled by Cell default/ext-etcd-zone-b-isolated-30635d5a",
            LocalTopoServerBuilder.RefusingToManageMessage(cell, existing));
        Assert.StartsWith("refusing to use local TopoServer default/t", LocalTopoServerBuilder.RefusingToUseMessage(cell, existing), StringComparison.Ordinal);
        Assert.StartsWith("refusing to delete local TopoServer default/t", LocalTopoServerBuilder.RefusingToDeleteMessage(cell, existing), StringComparison.Ordinal);
    }
}
