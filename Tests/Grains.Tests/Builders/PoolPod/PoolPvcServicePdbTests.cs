using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Builders.PoolPods.PoolPodFixtures;

namespace MultigresOrleans.Grains.Tests.Builders.PoolPods;

public sealed class PoolPvcServicePdbTests
{
    [Fact]
    public void Data_pvc_has_the_spec_name_pod_labels_and_defaults()
    {
        var pvc = PoolDataPvcBuilder.Build(Minimal(), Pool, CellName, PoolSpec(), 0);
        Assert.Equal("data-minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-0", pvc.Metadata.Name);
        Assert.Equal(Ns, pvc.Metadata.Namespace);
        Assert.Equal(PoolPodMetadata.PodLabels(Minimal(), Pool, CellName).OrderBy(l => l.Key), pvc.Metadata.Labels!.OrderBy(l => l.Key));
        Assert.Equal("minimal", pvc.Metadata.Labels![LabelKeys.Cluster]);
        Assert.Equal(["ReadWriteOnce"], pvc.Spec!.AccessModes!);
        Assert.Equal("1Gi", pvc.Spec.Resources!.Requests!["storage"].Value);
        Assert.Null(pvc.Spec.StorageClassName);
    }

    [Fact]
    public void Data_pvc_takes_size_class_and_access_modes_from_the_pool()
    {
        var pool = PoolSpec(p => p with { Storage = new StorageSpec { Size = "100Gi", Class = "gp3", AccessModes = ["ReadWriteOncePod"] } });
        var pvc = PoolDataPvcBuilder.Build(Minimal(), Pool, CellName, pool, 3);
        Assert.Equal("data-minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-3", pvc.Metadata.Name);
        Assert.Equal("100Gi", pvc.Spec!.Resources!.Requests!["storage"].Value);
        Assert.Equal("gp3", pvc.Spec.StorageClassName);
        Assert.Equal(["ReadWriteOncePod"], pvc.Spec.AccessModes!);
    }

    [Fact]
    public void Data_pvc_is_owned_only_when_when_deleted_resolves_to_delete()
    {
        var owned = PoolDataPvcBuilder.Build(Minimal(), Pool, CellName, PoolSpec(), 0);
        var owner = Assert.Single(owned.Metadata.OwnerReferences!);
        Assert.Equal(ShardUid, owner.Uid);
        Assert.True(owner.Controller);

        // The pool's own policy wins over the shard's.
        var retainPool = PoolSpec(p => p with { PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain } });
        Assert.Null(PoolDataPvcBuilder.Build(Minimal(), Pool, CellName, retainPool, 0).Metadata.OwnerReferences);

        // No policy anywhere counts as the schema default Retain.
        var noPolicy = Minimal(s => s with { PvcDeletionPolicy = null });
        Assert.Null(PoolDataPvcBuilder.Build(noPolicy, Pool, CellName, PoolSpec(), 0).Metadata.OwnerReferences);

        var deletePool = PoolSpec(p => p with { PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete } });
        Assert.NotNull(PoolDataPvcBuilder.Build(noPolicy, Pool, CellName, deletePool, 0).Metadata.OwnerReferences);
    }

    [Fact]
    public void Headless_service_publishes_not_ready_pods_on_four_named_ports()
    {
        var service = PoolHeadlessServiceBuilder.Build(Minimal(), Pool, CellName);
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-h---22cdf02c", service.Metadata.Name);
        Assert.Equal(63, service.Metadata.Name!.Length);
        Assert.Equal("None", service.Spec!.ClusterIP);
        Assert.True(service.Spec.PublishNotReadyAddresses);
        Assert.Equal(PoolPodMetadata.Selector(Minimal(), Pool, CellName), service.Spec.Selector);
        Assert.Equal(PoolPodMetadata.PodLabels(Minimal(), Pool, CellName).OrderBy(l => l.Key), service.Metadata.Labels!.OrderBy(l => l.Key));
        Assert.Equal(
            [("http", 15200, "http"), ("grpc", 15270, "grpc"), ("postgres", 5432, "postgres"), ("metrics", 9187, "metrics")],
            service.Spec.Ports!.Select(p => (p.Name!, p.Port, p.TargetPort!.GetValue<string>())));
        Assert.True(Assert.Single(service.Metadata.OwnerReferences!).Controller);
    }

    [Fact]
    public void Headless_service_selects_every_pod_the_builder_makes()
    {
        var selector = PoolHeadlessServiceBuilder.Build(Minimal(), Pool, CellName).Spec!.Selector!;
        var pod = Build(index: 1);
        Assert.All(selector, s => Assert.Equal(s.Value, pod.Metadata.Labels![s.Key]));
    }

    [Fact]
    public void Pdb_allows_one_unavailable_pod_of_the_pool_in_the_cell()
    {
        var pdb = PoolPdbBuilder.Build(Minimal(), Pool, CellName);
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-pdb-6a4f8455", pdb.Metadata.Name);
        Assert.Equal("policy/v1", pdb.ApiVersion);
        Assert.Equal(1, pdb.Spec!.MaxUnavailable!.GetValue<int>());
        Assert.Null(pdb.Spec.MinAvailable);
        Assert.Equal(PoolPodMetadata.Selector(Minimal(), Pool, CellName), pdb.Spec.Selector!.MatchLabels);
        Assert.Equal("shard-pool", pdb.Metadata.Labels![LabelKeys.AppComponent]);
        Assert.False(pdb.Metadata.Labels.ContainsKey(LabelKeys.ZoneId));
        Assert.Equal(ShardUid, Assert.Single(pdb.Metadata.OwnerReferences!).Uid);
    }

    [Fact]
    public void Pooler_service_id_matches_the_spec_vector()
    {
        var pod = Build();
        Assert.Contains("--service-id=p-45f814aa", Container(pod, "multipooler").Args!);
        Assert.Equal("p-45f814aa", MultigresOrleans.Grains.Naming.ResourceNames.PoolerServiceId(pod.Metadata.Name!));
    }
}
