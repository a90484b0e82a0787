using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Shards;
using MultigresOrleans.Grains.Tests.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Shards;

/// <summary>Spec §6.8.3 cleanupShardPVCs: per pool+cell the lowest three ordinals are orphaned, the rest deleted; Retain is left alone.</summary>
public sealed class ShardDeletionPvcPlanTests
{
    private static PersistentVolumeClaim Pvc(string name, string? pool = "default", string cell = "zone-a") => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Labels = pool is null ? new() { [LabelKeys.Cell] = cell } : new() { [LabelKeys.Pool] = pool, [LabelKeys.Cell] = cell },
        },
    };

    private static Shard WithPolicy(PVCRetentionPolicyType? whenDeleted) => PoolPodFixtures.Minimal(s => s with
    {
        PvcDeletionPolicy = whenDeleted is null ? null : new PVCDeletionPolicy { WhenDeleted = whenDeleted },
    });

    [Fact]
    public void The_highest_ordinals_beyond_three_are_deleted_and_the_lowest_three_orphaned_per_pool_and_cell()
    {
        var pvcs = Enumerable.Range(0, 5).Select(i => Pvc($"data-p-{i}"))
            .Append(Pvc("data-q-0", cell: "zone-b")).Append(Pvc("backup-data", pool: null, cell: ""));

        var steps = ShardDeletionPvcPlan.Plan(WithPolicy(PVCRetentionPolicyType.Delete), pvcs).ToDictionary(s => s.PvcName, s => s.Orphan);

        Assert.False(steps["data-p-4"]);
        Assert.False(steps["data-p-3"]);
        Assert.True(steps["data-p-2"]);
        Assert.True(steps["data-p-1"]);
        Assert.True(steps["data-p-0"]);
        Assert.True(steps["data-q-0"]);      // its own group: fewer than three live
        Assert.True(steps["backup-data"]);   // no index: always kept as an orphan
    }

    [Theory]
    [InlineData(PVCRetentionPolicyType.Retain)]
    [InlineData(null)] // unset is the CRD default Retain
    public void Retain_pvcs_are_left_alone(PVCRetentionPolicyType? policy)
    {
        var steps = ShardDeletionPvcPlan.Plan(WithPolicy(policy), Enumerable.Range(0, 5).Select(i => Pvc($"data-p-{i}")));

        Assert.Empty(steps);
    }
}
