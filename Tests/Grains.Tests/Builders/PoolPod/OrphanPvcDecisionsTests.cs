using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Builders.PoolPods.PoolScaleDecisionsTests;

namespace MultigresOrleans.Grains.Tests.Builders.PoolPods;

public sealed class OrphanPvcDecisionsTests
{
    private const string Base = "minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b";
    private static readonly DateTimeOffset Now = new(2026, 8, 21, 2, 0, 0, TimeSpan.Zero);

    private static PersistentVolumeClaim Owned(int index, string? orphanSince = null)
    {
        var pvc = ObservedPvc(index, orphanSince: orphanSince);
        pvc.Metadata.OwnerReferences =
        [
            new OwnerReference { ApiVersion = ApiConstants.ApiVersion, Kind = "Shard", Name = "s", Uid = PoolPodFixtures.ShardUid, Controller = true },
            new OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "keep", Uid = "other" },
        ];
        return pvc;
    }

    [Fact]
    public void Orphan_since_uses_the_colon_free_utc_format()
    {
        Assert.Equal("2026-08-21T02-00-00Z", OrphanPvcDecisions.FormatOrphanSince(new DateTimeOffset(2026, 8, 21, 4, 0, 0, TimeSpan.FromHours(2))));
        Assert.True(OrphanPvcDecisions.TryParseOrphanSince("2026-08-21T02-00-00Z", out var parsed));
        Assert.Equal(Now, parsed);
        Assert.False(OrphanPvcDecisions.TryParseOrphanSince("2026-08-21T02:00:00Z", out _));
    }

    [Fact]
    public void Fewer_than_three_remaining_live_pvcs_means_orphan_without_the_shard_owner()
    {
        var pvcs = new[] { Owned(0), Owned(1), Owned(2) };
        var decision = OrphanPvcDecisions.CleanupPodPvc("data-" + Base + "-2", pvcs, PoolPodFixtures.ShardUid, Now);
        Assert.Equal(PvcCleanupKind.MarkOrphan, decision.Kind);
        Assert.Equal("2026-08-21T02-00-00Z", decision.OrphanSince);
        Assert.Equal(["other"], decision.OwnerReferences!.Select(o => o.Uid));
    }

    [Fact]
    public void Three_remaining_live_pvcs_means_delete()
    {
        var pvcs = new[] { Owned(0), Owned(1), Owned(2), Owned(3) };
        var decision = OrphanPvcDecisions.CleanupPodPvc("data-" + Base + "-3", pvcs, PoolPodFixtures.ShardUid, Now);
        Assert.Equal(PvcCleanupKind.Delete, decision.Kind);
    }

    [Fact]
    public void Orphaned_siblings_do_not_count_as_live_and_the_first_timestamp_is_kept()
    {
        var pvcs = new[] { Owned(0), Owned(1), Owned(2), Owned(3, orphanSince: "2026-01-01T00-00-00Z"), Owned(4, orphanSince: "2026-02-01T00-00-00Z") };
        var decision = OrphanPvcDecisions.CleanupPodPvc("data-" + Base + "-4", pvcs, PoolPodFixtures.ShardUid, Now);
        Assert.Equal(PvcCleanupKind.MarkOrphan, decision.Kind);
        Assert.Equal("2026-02-01T00-00-00Z", decision.OrphanSince);
    }

    [Fact]
    public void A_missing_pvc_needs_nothing()
    {
        Assert.Equal(PvcCleanupKind.Nothing, OrphanPvcDecisions.CleanupPodPvc("data-" + Base + "-9", [Owned(0)], PoolPodFixtures.ShardUid, Now).Kind);
        Assert.Equal(PvcCleanupKind.Nothing, OrphanPvcDecisions.CleanupPodPvc(null, [Owned(0)], PoolPodFixtures.ShardUid, Now).Kind);
    }

    [Fact]
    public void When_scaled_applies_only_at_or_beyond_the_desired_replicas()
    {
        Assert.True(OrphanPvcDecisions.ShouldCleanUpPvc(ObservedPod(2), 2, null));
        Assert.False(OrphanPvcDecisions.ShouldCleanUpPvc(ObservedPod(1), 2, null));
        Assert.False(OrphanPvcDecisions.ShouldCleanUpPvc(ObservedPod(2), 2, new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Retain }));

        var drained = ObservedPod(0);
        drained.Metadata.Labels![LabelKeys.Role] = LabelValues.RoleDrained;
        Assert.True(OrphanPvcDecisions.ShouldCleanUpPvc(drained, 2, new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Retain }));
    }

    [Fact]
    public void Retired_pod_decision_resolves_the_pvc_from_the_pod_cell_label()
    {
        var shard = PoolPodFixtures.Minimal();
        var pool = PoolPodFixtures.PoolSpec();
        var pvcs = new[] { Owned(0), Owned(1), Owned(2) };

        var scaled = OrphanPvcDecisions.DecideForRetiredPod(shard, PoolPodFixtures.Pool, pool, ObservedPod(2), pvcs, Now);
        Assert.Equal(PvcCleanupKind.MarkOrphan, scaled.Kind);
        Assert.Equal("data-" + Base + "-2", scaled.PvcName);

        var rollout = OrphanPvcDecisions.DecideForRetiredPod(shard, PoolPodFixtures.Pool, pool, ObservedPod(1), pvcs, Now);
        Assert.Equal(PvcCleanupKind.Keep, rollout.Kind);

        var noCell = ObservedPod(2);
        noCell.Metadata.Labels!.Remove(LabelKeys.Cell);
        Assert.Equal(PvcCleanupKind.Nothing, OrphanPvcDecisions.DecideForRetiredPod(shard, PoolPodFixtures.Pool, pool, noCell, pvcs, Now).Kind);
    }
}
