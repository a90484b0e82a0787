using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Silo.Dispatch;

namespace MultigresOrleans.Silo.Tests.Dispatch;

/// <summary>Which grains an informer event wakes (For / Owns / Watches of spec §6).</summary>
public sealed class EventRoutingTests
{
    private static OwnerReference Owner(string kind, string name) => new() { ApiVersion = "x", Kind = kind, Name = name, Uid = "u", Controller = true };

    [Fact]
    public void A_cluster_wakes_its_own_grain_only()
    {
        var cluster = new MultigresCluster
        {
            Metadata = new ObjectMeta { Name = "c", Namespace = "ns" },
            Spec = new MultigresClusterSpec { PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "p", Key = "k" } },
        };

        Assert.Equal([new GrainTarget(GrainKind.Cluster, "ns/c")], EventRouting.For(cluster));
    }

    [Fact]
    public void A_template_wakes_its_template_grain_keyed_by_kind_namespace_and_name()
    {
        var template = new CoreTemplate { Metadata = new ObjectMeta { Name = "t", Namespace = "ns" } };

        Assert.Equal([new GrainTarget(GrainKind.Template, "CoreTemplate/ns/t")], EventRouting.For(template));
    }

    [Fact]
    public void A_local_TopoServer_wakes_itself_its_cell_and_its_cluster()
    {
        var topo = new TopoServer
        {
            Metadata = new ObjectMeta
            {
                Name = "cell-topo", Namespace = "ns",
                Labels = new() { [LabelKeys.Cluster] = "c" },
                OwnerReferences = [Owner(ApiConstants.CellKind, "c-zone-a")],
            },
        };

        Assert.Equal(
            [new GrainTarget(GrainKind.TopoServer, "ns/cell-topo"), new GrainTarget(GrainKind.Cell, "ns/c-zone-a"), new GrainTarget(GrainKind.Cluster, "ns/c")],
            EventRouting.For(topo));
    }

    [Fact]
    public void A_global_TopoServer_wakes_its_cluster_once()
    {
        var topo = new TopoServer
        {
            Metadata = new ObjectMeta
            {
                Name = "c-global-topo", Namespace = "ns",
                Labels = new() { [LabelKeys.Cluster] = "c" },
                OwnerReferences = [Owner(ApiConstants.MultigresClusterKind, "c")],
            },
        };

        Assert.Equal([new GrainTarget(GrainKind.TopoServer, "ns/c-global-topo"), new GrainTarget(GrainKind.Cluster, "ns/c")], EventRouting.For(topo));
    }

    [Fact]
    public void A_pod_wakes_the_shard_that_controls_it()
    {
        var pod = new Pod { Metadata = new ObjectMeta { Name = "p-0", Namespace = "ns", OwnerReferences = [Owner(ApiConstants.ShardKind, "s")] } };

        Assert.Equal([new GrainTarget(GrainKind.Shard, "ns/s")], EventRouting.For(pod));
    }

    [Fact]
    public void A_retained_pvc_without_owner_finds_its_shard_by_labels()
    {
        var pvc = new PersistentVolumeClaim
        {
            Metadata = new ObjectMeta
            {
                Name = "data-x-0", Namespace = "ns",
                Labels = new()
                {
                    [LabelKeys.Cluster] = "minimal", [LabelKeys.Database] = "postgres", [LabelKeys.TableGroup] = "default", [LabelKeys.Shard] = "0-inf",
                },
            },
        };

        Assert.Equal([new GrainTarget(GrainKind.Shard, "ns/minimal-postgres-default-0-inf-1e3c045c")], EventRouting.For(pvc));
    }

    [Fact]
    public void An_object_of_someone_else_wakes_nothing()
    {
        var deployment = new Deployment { Metadata = new ObjectMeta { Name = "d", Namespace = "ns", OwnerReferences = [Owner("ReplicaSet", "rs")] } };

        Assert.Empty(EventRouting.For(deployment));
    }
}
