using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.TopoServers;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.TopoServers;

/// <summary>The etcd StorageClass guard (spec §6.4 step 1).</summary>
public sealed class StorageClassGuardTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 21, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(5);

    private static TopoServer WithClass(string? storageClass) =>
        TopoServerFixtures.Global(new EtcdSpec { Storage = new StorageSpec { Class = storageClass, Size = "1Gi" } });

    [Fact]
    public void Missing_class_blocks_the_apply_with_a_false_condition_and_a_warning()
    {
        var decision = StorageClassGuard.Decide(WithClass("fast"), storageClassExists: false, T0);

        Assert.True(decision.BlockApply);
        Assert.True(decision.WriteNeeded);
        Assert.Equal("StorageClass \"fast\" not found for etcd PVCs", decision.WarningEventMessage);
        Assert.Equal(("StorageClassValid", ConditionStatus.False, "StorageClassNotFound", "StorageClass \"fast\" not found for etcd PVCs", 2L),
            (decision.Condition.Type, decision.Condition.Status, decision.Condition.Reason, decision.Condition.Message, decision.Condition.ObservedGeneration));
        Assert.Equal(TimeSpan.FromSeconds(10), StorageClassGuard.MissingRequeue);
        Assert.Equal("multigres-operator-guard", StorageClassGuard.FieldManager);
    }

    [Fact]
    public void Existing_class_passes_with_found_reason()
    {
        var decision = StorageClassGuard.Decide(WithClass("fast"), storageClassExists: true, T0);

        Assert.False(decision.BlockApply);
        Assert.Null(decision.WarningEventMessage);
        Assert.Equal((ConditionStatus.True, "StorageClassFound", "StorageClass \"fast\" found for etcd PVCs"),
            (decision.Condition.Status, decision.Condition.Reason, decision.Condition.Message));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Unspecified_class_passes_with_not_specified_reason_whatever_the_lookup_said(string? storageClass)
    {
        var decision = StorageClassGuard.Decide(WithClass(storageClass), storageClassExists: false, T0);

        Assert.False(decision.BlockApply);
        Assert.Null(StorageClassGuard.RequestedClass(WithClass(storageClass)));
        Assert.Equal((ConditionStatus.True, "StorageClassNotSpecified", "No explicit etcd StorageClass configured; using cluster default"),
            (decision.Condition.Status, decision.Condition.Reason, decision.Condition.Message));
    }

    [Fact]
    public void An_identical_existing_condition_skips_the_write_and_keeps_its_transition_time()
    {
        var first = StorageClassGuard.Decide(WithClass("fast"), storageClassExists: true, T0);
        var ts = WithClass("fast") with { Status = new TopoServerStatus { Conditions = [first.Condition] } };

        var second = StorageClassGuard.Decide(ts, storageClassExists: true, T1);

        Assert.False(second.WriteNeeded);
        Assert.Equal(T0, second.Condition.LastTransitionTime);
    }

    [Fact]
    public void A_status_flip_is_written_with_a_new_transition_time()
    {
        var first = StorageClassGuard.Decide(WithClass("fast"), storageClassExists: true, T0);
        var ts = WithClass("fast") with { Status = new TopoServerStatus { Conditions = [first.Condition] } };

        var second = StorageClassGuard.Decide(ts, storageClassExists: false, T1);

        Assert.True(second.WriteNeeded);
        Assert.Equal(T1, second.Condition.LastTransitionTime);
    }
}
