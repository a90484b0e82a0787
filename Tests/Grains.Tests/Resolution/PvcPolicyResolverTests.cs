using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>PVC deletion policy inheritance (spec §6.7): child field wins when set, else the parent's.</summary>
public sealed class PvcPolicyResolverTests
{
    private static readonly PVCDeletionPolicy Cluster = HardcodedDefaults.ClusterPvcDeletionPolicy;
    private static readonly PVCDeletionPolicy ScaledRetain = new() { WhenScaled = PVCRetentionPolicyType.Retain };
    private static readonly PVCDeletionPolicy DeletedRetain = new() { WhenDeleted = PVCRetentionPolicyType.Retain };

    [Fact]
    public void Pool_over_shard_over_table_group_over_cluster()
    {
        var spec = Spec("a") with { PvcDeletionPolicy = Cluster };
        var tg = new TableGroupConfig { Name = "default", PvcDeletionPolicy = ScaledRetain };
        var shard = ShardResolver.Resolve(
            new ShardTemplateSpec { PvcDeletionPolicy = DeletedRetain },
            new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { Pools = Dict(("p", new PoolSpec { PvcDeletionPolicy = new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Delete } })) } },
            new ShardResolveOptions([], null, false));

        var tgPolicy = PvcPolicyResolver.TableGroup(spec, tg);
        var shardPolicy = PvcPolicyResolver.Shard(shard, tgPolicy);
        var poolPolicy = PvcPolicyResolver.Pool(shard.Pools["p"], shardPolicy);

        AssertJson("{whenDeleted: Delete, whenScaled: Retain}", ToJson(tgPolicy));
        AssertJson("{whenDeleted: Retain, whenScaled: Retain}", ToJson(shardPolicy));
        AssertJson("{whenDeleted: Retain, whenScaled: Delete}", ToJson(poolPolicy));
    }

    [Fact]
    public void Without_child_policies_everything_inherits_the_cluster_default()
    {
        var spec = Spec("a") with { PvcDeletionPolicy = Cluster };
        var shard = ShardResolver.Resolve(null, new ShardConfig { Name = "0-inf" }, new ShardResolveOptions([], null, false));

        var pool = PvcPolicyResolver.Pool(shard.Pools["default"], PvcPolicyResolver.Shard(shard, PvcPolicyResolver.TableGroup(spec, new TableGroupConfig { Name = "default" })));

        AssertJson("{whenDeleted: Delete, whenScaled: Delete}", ToJson(pool));
    }

    [Fact]
    public void Global_etcd_uses_its_own_then_the_topo_servers_then_the_clusters()
    {
        var topo = new GlobalTopoServerSpec { Etcd = new EtcdSpec { PvcDeletionPolicy = ScaledRetain }, PvcDeletionPolicy = DeletedRetain };

        AssertJson("{whenDeleted: Retain, whenScaled: Retain}", ToJson(PvcPolicyResolver.GlobalEtcd(topo, Cluster)));
        AssertJson("{whenDeleted: Delete, whenScaled: Delete}", ToJson(PvcPolicyResolver.GlobalEtcd(new GlobalTopoServerSpec { Etcd = new EtcdSpec() }, Cluster)));
        Assert.Null(PvcPolicyResolver.GlobalEtcd(new GlobalTopoServerSpec(), null));
    }
}
