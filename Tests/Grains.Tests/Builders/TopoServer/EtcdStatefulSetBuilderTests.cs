using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.TopoServers;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.TopoServers;

/// <summary>The etcd StatefulSet and its Services against spec §6.4.</summary>
public sealed class EtcdStatefulSetBuilderTests
{
    [Fact]
    public void Global_statefulset_has_name_owner_labels_and_selector_with_cluster()
    {
        var sts = EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global());

        Assert.Equal(("apps/v1", "StatefulSet", "minimal-global-topo", "default"), (sts.ApiVersion, sts.Kind, sts.Metadata.Name, sts.Metadata.Namespace));
        var owner = Assert.Single(sts.Metadata.OwnerReferences!);
        Assert.Equal(("TopoServer", "minimal-global-topo", TopoServerFixtures.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller));
        Assert.Equal("toposerver", sts.Metadata.Labels!["app.kubernetes.io/component"]);
        Assert.Equal("minimal", sts.Metadata.Labels["multigres.com/cluster"]);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/component"] = "toposerver", ["app.kubernetes.io/instance"] = "minimal", ["multigres.com/cluster"] = "minimal",
            },
            sts.Spec!.Selector!.MatchLabels);
        Assert.Equal(sts.Metadata.Labels, sts.Spec.Template.Metadata!.Labels);
    }

    [Fact]
    public void Local_statefulset_selector_includes_the_cell()
    {
        var sts = EtcdStatefulSetBuilder.Build(TopoServerFixtures.Local());

        Assert.Equal("zone-b-isolated", sts.Spec!.Selector!.MatchLabels!["multigres.com/cell"]);
        Assert.Equal(4, sts.Spec.Selector.MatchLabels.Count);
        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55-headless", sts.Spec.ServiceName);
        Assert.Equal(1, sts.Spec.Replicas);
    }

    [Fact]
    public void Spec_defaults_are_three_parallel_rolling_replicas_with_the_default_image()
    {
        var sts = EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global());

        Assert.Equal(3, sts.Spec!.Replicas);
        Assert.Equal("Parallel", sts.Spec.PodManagementPolicy);
        Assert.Equal("RollingUpdate", (string?)sts.Spec.UpdateStrategy!["type"]);
        Assert.Equal("minimal-global-topo-headless", sts.Spec.ServiceName);
        var container = Assert.Single(sts.Spec.Template.Spec!.Containers);
        Assert.Equal(("etcd", "gcr.io/etcd-development/etcd:v3.6.7"), (container.Name, container.Image));
        Assert.Null(container.Command);
        Assert.Null(container.Args);
        Assert.Null(container.SecurityContext);
        Assert.Null(sts.Spec.Template.Spec.Tolerations);
    }

    [Fact]
    public void Env_is_in_the_spec_order_with_one_initial_cluster_member_per_replica()
    {
        var env = EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global()).Spec!.Template.Spec!.Containers[0].Env!;

        Assert.Equal(
            [
                "POD_NAME", "POD_NAMESPACE", "ETCD_NAME", "ETCD_DATA_DIR", "ETCD_LISTEN_CLIENT_URLS", "ETCD_LISTEN_PEER_URLS",
                "ETCD_LISTEN_METRICS_URLS", "ETCD_ADVERTISE_CLIENT_URLS", "ETCD_INITIAL_ADVERTISE_PEER_URLS", "ETCD_INITIAL_CLUSTER_STATE",
                "ETCD_INITIAL_CLUSTER_TOKEN", "ETCD_INITIAL_CLUSTER",
            ],
            env.Select(e => e.Name));
        Assert.Equal("metadata.name", (string?)env[0].ValueFrom!["fieldRef"]!["fieldPath"]);
        Assert.Equal("metadata.namespace", (string?)env[1].ValueFrom!["fieldRef"]!["fieldPath"]);
        Assert.Equal(
            [
                null, null, "$(POD_NAME)", "/var/lib/etcd", "http://[::]:2379", "http://[::]:2380", "http://[::]:2381",
                "http://$(POD_NAME).minimal-global-topo-headless.$(POD_NAMESPACE).svc.cluster.local:2379",
                "http://$(POD_NAME).minimal-global-topo-headless.$(POD_NAMESPACE).svc.cluster.local:2380",
                "new", "minimal-global-topo",
                "minimal-global-topo-0=http://minimal-global-topo-0.minimal-global-topo-headless.default.svc.cluster.local:2380,"
                + "minimal-global-topo-1=http://minimal-global-topo-1.minimal-global-topo-headless.default.svc.cluster.local:2380,"
                + "minimal-global-topo-2=http://minimal-global-topo-2.minimal-global-topo-headless.default.svc.cluster.local:2380",
            ],
            env.Select(e => e.Value));
    }

    [Fact]
    public void Initial_cluster_follows_the_replica_count()
    {
        var env = EtcdStatefulSetBuilder.Env(TopoServerFixtures.Global(new EtcdSpec { Replicas = 5 }));

        var members = env.Single(e => e.Name == "ETCD_INITIAL_CLUSTER").Value!.Split(',');
        Assert.Equal(5, members.Length);
        Assert.StartsWith("minimal-global-topo-4=http://minimal-global-topo-4.", members[4], StringComparison.Ordinal);
    }

    [Fact]
    public void Ports_mount_and_probes_match_the_spec()
    {
        var container = EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global()).Spec!.Template.Spec!.Containers[0];

        Assert.Equal([("client", 2379), ("peer", 2380), ("metrics", 2381)], container.Ports!.Select(p => (p.Name, p.ContainerPortNumber)));
        var mount = Assert.Single(container.VolumeMounts!);
        Assert.Equal(("data", "/var/lib/etcd"), (mount.Name, mount.MountPath));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"httpGet":{"path":"/readyz","port":2381},"periodSeconds":5,"failureThreshold":30}"""), container.StartupProbe));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"httpGet":{"path":"/livez","port":2381},"periodSeconds":10}"""), container.LivenessProbe));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"httpGet":{"path":"/readyz","port":2381},"periodSeconds":5}"""), container.ReadinessProbe));
    }

    [Fact]
    public void Volume_claim_template_defaults_to_10Gi_read_write_once_without_class()
    {
        var template = Assert.Single(EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global()).Spec!.VolumeClaimTemplates!);

        Assert.Equal("data", template.Metadata.Name);
        Assert.Equal(["ReadWriteOnce"], template.Spec!.AccessModes!);
        Assert.Equal("10Gi", template.Spec.Resources!.Requests!["storage"].Value);
        Assert.Null(template.Spec.StorageClassName);
    }

    [Fact]
    public void Volume_claim_template_takes_size_class_and_access_modes_from_the_spec()
    {
        var etcd = new EtcdSpec { Storage = new StorageSpec { Size = "1Gi", Class = "gp3", AccessModes = ["ReadWriteOncePod"] } };

        var template = EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global(etcd)).Spec!.VolumeClaimTemplates![0];

        Assert.Equal(["ReadWriteOncePod"], template.Spec!.AccessModes!);
        Assert.Equal("1Gi", template.Spec.Resources!.Requests!["storage"].Value);
        Assert.Equal("gp3", template.Spec.StorageClassName);
    }

    [Theory]
    [InlineData(null, null, "Retain")]
    [InlineData(PVCRetentionPolicyType.Delete, PVCRetentionPolicyType.Retain, "Retain")]
    [InlineData(PVCRetentionPolicyType.Delete, PVCRetentionPolicyType.Delete, "Delete")]
    [InlineData(PVCRetentionPolicyType.Retain, PVCRetentionPolicyType.Delete, "Delete")]
    public void Pvc_retention_always_retains_on_delete_and_deletes_on_scale_only_when_asked(
        PVCRetentionPolicyType? whenDeleted, PVCRetentionPolicyType? whenScaled, string expectedWhenScaled)
    {
        var policy = whenDeleted is null && whenScaled is null ? null : new PVCDeletionPolicy { WhenDeleted = whenDeleted, WhenScaled = whenScaled };

        var sts = EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global(policy: policy));

        var retention = sts.Spec!.ExtensionData!["persistentVolumeClaimRetentionPolicy"];
        Assert.Equal("Retain", retention.GetProperty("whenDeleted").GetString());
        Assert.Equal(expectedWhenScaled, retention.GetProperty("whenScaled").GetString());
    }

    [Fact]
    public void Placement_tolerations_and_resources_reach_the_pod()
    {
        var toleration = new Toleration { Key = "etcd", Operator = "Exists" };
        var resources = new ResourceRequirements { Limits = new Dictionary<string, Quantity> { ["memory"] = "512Mi" } };

        var sts = EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global(new EtcdSpec { Image = "etcd:custom", Resources = resources }, placement: new PodPlacementSpec { Tolerations = [toleration] }));

        Assert.Equal([toleration], sts.Spec!.Template.Spec!.Tolerations!);
        Assert.Same(resources, sts.Spec.Template.Spec.Containers[0].Resources);
        Assert.Equal("etcd:custom", sts.Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public void Statefulset_serializes_the_retention_policy_at_spec_level()
    {
        var json = JsonSerializer.SerializeToNode(EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global()))!;

        Assert.Equal("Retain", (string?)json["spec"]!["persistentVolumeClaimRetentionPolicy"]!["whenScaled"]);
        Assert.Null(json["status"]);
    }

    [Fact]
    public void Headless_service_publishes_not_ready_client_and_peer()
    {
        var service = TopoServerServicesBuilder.BuildHeadless(TopoServerFixtures.Global());

        Assert.Equal(("minimal-global-topo-headless", "default"), (service.Metadata.Name, service.Metadata.Namespace));
        Assert.Equal("None", service.Spec!.ClusterIP);
        Assert.True(service.Spec.PublishNotReadyAddresses);
        Assert.Equal("PreferDualStack", service.Spec.ExtensionData!["ipFamilyPolicy"].GetString());
        Assert.Equal([("client", 2379, "client"), ("peer", 2380, "peer")], service.Spec.Ports!.Select(p => (p.Name, p.Port, (string?)p.TargetPort)));
        Assert.Equal(EtcdStatefulSetBuilder.Build(TopoServerFixtures.Global()).Spec!.Selector!.MatchLabels, service.Spec.Selector);
        Assert.Equal("TopoServer", Assert.Single(service.Metadata.OwnerReferences!).Kind);
    }

    [Fact]
    public void Client_service_is_cluster_ip_with_the_client_port_only()
    {
        var service = TopoServerServicesBuilder.BuildClient(TopoServerFixtures.Local());

        Assert.Equal(("ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55", "ns1"), (service.Metadata.Name, service.Metadata.Namespace));
        Assert.Equal("ClusterIP", service.Spec!.Type);
        Assert.Null(service.Spec.ClusterIP);
        Assert.Null(service.Spec.PublishNotReadyAddresses);
        Assert.Equal("PreferDualStack", service.Spec.ExtensionData!["ipFamilyPolicy"].GetString());
        Assert.Equal([("client", 2379, "client")], service.Spec.Ports!.Select(p => (p.Name, p.Port, (string?)p.TargetPort)));
        Assert.Equal("zone-b-isolated", service.Spec.Selector!["multigres.com/cell"]);
        Assert.Equal("toposerver", service.Metadata.Labels!["app.kubernetes.io/component"]);
    }
}
