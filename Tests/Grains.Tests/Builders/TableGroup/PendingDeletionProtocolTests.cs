using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.TableGroups;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.TableGroups;

/// <summary>The parent side of graceful deletion (spec §6.8.1) and the TableGroup's steps 2, 5 and 6 (§6.2).</summary>
public sealed class PendingDeletionProtocolTests
{
    private const string Desired = "minimal-postgres-default-0-inf-1e3c045c";
    private const string Orphan = "minimal-postgres-default-old-00000000";

    [Fact]
    public void Unmarked_orphan_is_annotated_with_a_pending_deletion_event()
    {
        var decision = PendingDeletionProtocol.Decide(RetiredKind.Shard, TableGroupFixtures.Observed(Orphan).Metadata, null);

        Assert.Equal(new RetireDecision(Orphan, RetireAction.AnnotatePendingDeletion, "PendingDeletion", $"Marked Shard {Orphan} for graceful deletion"), decision);
        Assert.True(decision.Pending);
    }

    [Fact]
    public void Marked_orphan_not_ready_for_deletion_is_waited_for()
    {
        var shard = TableGroupFixtures.Observed(Orphan, marked: true);

        var decision = PendingDeletionProtocol.Decide(RetiredKind.Shard, shard.Metadata, shard.Status!.Conditions);

        Assert.Equal(RetireAction.WaitReadyForDeletion, decision.Action);
        Assert.Null(decision.EventReason);
        Assert.True(decision.Pending);
    }

    [Fact]
    public void Ready_for_deletion_orphan_is_deleted_and_no_longer_pending()
    {
        var shard = TableGroupFixtures.Observed(Orphan, marked: true, readyForDeletion: true);

        var decision = PendingDeletionProtocol.Decide(RetiredKind.Shard, shard.Metadata, shard.Status!.Conditions);

        Assert.Equal(new RetireDecision(Orphan, RetireAction.Delete, "Deleted", $"Deleted Shard {Orphan} after cleanup"), decision);
        Assert.False(decision.Pending);
    }

    [Fact]
    public void Ready_for_deletion_without_the_annotation_is_annotated_first()
    {
        var shard = TableGroupFixtures.Observed(Orphan, readyForDeletion: true);

        Assert.Equal(RetireAction.AnnotatePendingDeletion, PendingDeletionProtocol.Decide(RetiredKind.Shard, shard.Metadata, shard.Status!.Conditions).Action);
    }

    [Fact]
    public void Terminating_orphan_is_only_waited_for()
    {
        var shard = TableGroupFixtures.Observed(Orphan, marked: true, terminating: true, readyForDeletion: true);

        var decision = PendingDeletionProtocol.Decide(RetiredKind.Shard, shard.Metadata, shard.Status!.Conditions);

        Assert.Equal(RetireAction.WaitTerminating, decision.Action);
        Assert.True(decision.Pending);
    }

    [Theory]
    [InlineData(RetiredKind.Cell, "Marked Cell c for graceful deletion", "Deleted orphaned Cell c")]
    [InlineData(RetiredKind.TableGroup, "Marked TableGroup c for graceful deletion", "Deleted orphaned TableGroup c")]
    [InlineData(RetiredKind.Shard, "Marked Shard c for graceful deletion", "Deleted Shard c after cleanup")]
    public void Event_text_names_the_kind(RetiredKind kind, string marked, string deleted)
    {
        var ready = new List<Condition>
        {
            new() { Type = "ReadyForDeletion", Status = ConditionStatus.True, Reason = "r", Message = "", LastTransitionTime = DateTimeOffset.UnixEpoch },
        };

        Assert.Equal(marked, PendingDeletionProtocol.Decide(kind, new ObjectMeta { Name = "c" }, null).EventMessage);
        var annotated = new ObjectMeta { Name = "c", Annotations = new Dictionary<string, string> { [AnnotationKeys.PendingDeletion] = "t" } };
        Assert.Equal(deleted, PendingDeletionProtocol.Decide(kind, annotated, ready).EventMessage);
    }

    [Fact]
    public void Plan_applies_desired_shards_and_retires_orphans()
    {
        var tg = TableGroupFixtures.Minimal();
        var observed = new[] { TableGroupFixtures.Observed(Desired), TableGroupFixtures.Observed(Orphan, marked: true, readyForDeletion: true) };

        var plan = PendingDeletionProtocol.PlanShards(tg, observed);

        Assert.Equal([Desired], plan.ToApply.Select(s => s.Metadata.Name));
        Assert.Empty(plan.HeldBack);
        var retire = Assert.Single(plan.Retire);
        Assert.Equal((Orphan, RetireAction.Delete), (retire.Name, retire.Action));
        Assert.False(plan.Pending);
    }

    [Fact]
    public void A_desired_shard_still_pending_deletion_is_not_reapplied_and_goes_through_retirement()
    {
        var tg = TableGroupFixtures.Minimal();
        var observed = new[] { TableGroupFixtures.Observed(Desired, marked: true) };

        var plan = PendingDeletionProtocol.PlanShards(tg, observed);

        Assert.Empty(plan.ToApply);
        Assert.Equal([Desired], plan.HeldBack);
        Assert.Equal(RetireAction.WaitReadyForDeletion, Assert.Single(plan.Retire).Action);
        Assert.True(plan.Pending);
    }

    [Fact]
    public void A_desired_shard_still_terminating_is_held_back_and_the_plan_is_pending()
    {
        var plan = PendingDeletionProtocol.PlanShards(TableGroupFixtures.Minimal(), [TableGroupFixtures.Observed(Desired, terminating: true)]);

        Assert.Empty(plan.ToApply);
        Assert.Equal(RetireAction.WaitTerminating, Assert.Single(plan.Retire).Action);
        Assert.True(plan.Pending);
    }

    [Fact]
    public void A_drained_same_named_child_is_deleted_but_the_plan_stays_pending_until_it_is_recreated()
    {
        var plan = PendingDeletionProtocol.PlanShards(TableGroupFixtures.Minimal(), [TableGroupFixtures.Observed(Desired, marked: true, readyForDeletion: true)]);

        Assert.Equal(RetireAction.Delete, Assert.Single(plan.Retire).Action);
        Assert.True(plan.Pending);
    }

    [Fact]
    public void Nothing_observed_means_everything_is_applied_and_nothing_pending()
    {
        var plan = PendingDeletionProtocol.PlanShards(TableGroupFixtures.Minimal([TableGroupFixtures.Shard("0-80"), TableGroupFixtures.Shard("80-inf")]), []);

        Assert.Equal(2, plan.ToApply.Count);
        Assert.Empty(plan.Retire);
        Assert.False(plan.Pending);
    }

    [Fact]
    public void Parent_pending_annotates_unmarked_children_and_waits_until_all_are_ready()
    {
        var shards = new[]
        {
            TableGroupFixtures.Observed("a"),
            TableGroupFixtures.Observed("b", marked: true, readyForDeletion: true),
        };

        var (toAnnotate, allReady) = PendingDeletionProtocol.PlanParentPending(shards);

        var only = Assert.Single(toAnnotate);
        Assert.Equal(("a", "PendingDeletion", "Marked Shard a for graceful deletion (parent pending)"), (only.Name, only.EventReason, only.EventMessage));
        Assert.False(allReady);
    }

    [Fact]
    public void Parent_pending_counts_a_terminating_child_as_not_ready()
    {
        var (toAnnotate, allReady) = PendingDeletionProtocol.PlanParentPending([TableGroupFixtures.Observed("a", marked: true, terminating: true, readyForDeletion: true)]);

        Assert.Empty(toAnnotate);
        Assert.False(allReady);
        Assert.True(PendingDeletionProtocol.PlanParentPending([TableGroupFixtures.Observed("a", marked: true, readyForDeletion: true)]).AllReady);
        Assert.True(PendingDeletionProtocol.PlanParentPending([]).AllReady);
    }

    [Fact]
    public void Annotation_value_is_rfc3339_utc_seconds()
    {
        var now = new DateTimeOffset(2026, 8, 21, 4, 0, 0, 123, TimeSpan.FromHours(2));

        Assert.Equal("2026-08-21T02:00:00Z", PendingDeletionProtocol.AnnotationValue(now));
    }

    [Fact]
    public void Cleanup_in_progress_means_marked_or_terminating_and_an_empty_annotation_does_not_count()
    {
        var empty = new ObjectMeta { Annotations = new Dictionary<string, string> { [AnnotationKeys.PendingDeletion] = "" } };

        Assert.False(PendingDeletionProtocol.IsCleanupInProgress(empty));
        Assert.True(PendingDeletionProtocol.IsCleanupInProgress(TableGroupFixtures.Observed("x", marked: true).Metadata));
        Assert.True(PendingDeletionProtocol.IsCleanupInProgress(TableGroupFixtures.Observed("x", terminating: true).Metadata));
        Assert.False(PendingDeletionProtocol.IsCleanupInProgress(TableGroupFixtures.Observed("x").Metadata));
    }

    [Fact]
    public void Failure_messages_match_the_event_catalogue()
    {
        Assert.Equal("Failed to set PendingDeletion on shard s: boom", PendingDeletionProtocol.AnnotateShardFailedMessage("s", "boom"));
        Assert.Equal("Failed to delete shard s after cleanup: boom", PendingDeletionProtocol.DeleteShardFailedMessage("s", "boom"));
        Assert.Equal("TableGroup t marked ready for deletion", PendingDeletionProtocol.TableGroupReadyForDeletionMessage("t"));
    }
}
