namespace MultigresOrleans.Grains.Builders.TableGroups;

using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Kubernetes.Models;

/// <summary>The kinds a parent retires through the pending-deletion protocol (spec §6.8.1); they differ only in event text.</summary>
public enum RetiredKind
{
    /// <summary>A Cell no longer desired by its MultigresCluster.</summary>
    Cell,

    /// <summary>A TableGroup no longer desired by its MultigresCluster.</summary>
    TableGroup,

    /// <summary>A Shard no longer desired by its TableGroup.</summary>
    Shard,
}

/// <summary>What the parent does with one observed, undesired child this pass.</summary>
public enum RetireAction
{
    /// <summary>The child is already terminating: wait for it to go (pending).</summary>
    WaitTerminating,

    /// <summary>Merge-patch <c>multigres.com/pending-deletion</c> onto the child (pending); the child's controller then drains it.</summary>
    AnnotatePendingDeletion,

    /// <summary>Annotated, but the child has not reported <c>ReadyForDeletion=True</c> yet (pending).</summary>
    WaitReadyForDeletion,

    /// <summary>The child drained: delete it (NotFound ignored). Not pending.</summary>
    Delete,
}

/// <summary>
/// One retire decision. <paramref name="EventReason"/>/<paramref name="EventMessage"/> describe the Normal event to
/// record once the action succeeded (none for the waits; for <see cref="RetireAction.Delete"/> only when the delete did
/// not come back NotFound).
/// </summary>
public sealed record RetireDecision(string Name, RetireAction Action, string? EventReason, string? EventMessage)
{
    /// <summary>Whether this child keeps the parent's cleanup pending (requeue after <see cref="PendingDeletionProtocol.PendingRequeue"/>).</summary>
    public bool Pending => Action != RetireAction.Delete;
}

/// <summary>The TableGroup's plan for its child Shards in one reconcile (spec §6.2 steps 5 and 6).</summary>
/// <param name="ToApply">Desired Shards to server-side apply, in spec order.</param>
/// <param name="HeldBack">Names of desired Shards not applied because the same-named child is still pending deletion or terminating.</param>
/// <param name="Retire">Decisions for every observed child that is not applied this pass (orphans and held-back names alike).</param>
public sealed record ShardChildPlan(IReadOnlyList<Shard> ToApply, IReadOnlyList<string> HeldBack, IReadOnlyList<RetireDecision> Retire)
{
    /// <summary>Cleanup is pending: some desired Shard was held back or some retired child is not deleted this pass.</summary>
    public bool Pending => HeldBack.Count > 0 || Retire.Any(r => r.Pending);
}

/// <summary>
/// The parent side of graceful deletion (spec §6.8.1, §6.2 steps 2, 5, 6). A parent never deletes a stateful child
/// outright: it first annotates it, the child's own controller drains it and reports <c>ReadyForDeletion</c>, and only
/// then does the parent delete. Splitting responsibilities this way (as the Vitess operator's drain annotations do) lets
/// the child finish its work across many reconciles and operator restarts, with the annotation as the only hand-off.
/// </summary>
public static class PendingDeletionProtocol
{
    public const string EventPendingDeletion = "PendingDeletion";
    public const string EventDeleted = "Deleted";
    public const string EventReadyForDeletion = "ReadyForDeletion";
    public const string EventCleanUpError = "CleanUpError";

    public static readonly TimeSpan PendingRequeue = TimeSpan.FromSeconds(5);

    /// <summary>The annotation value: RFC 3339 UTC with second precision, as Go's <c>time.RFC3339</c> prints it.</summary>
    public static string AnnotationValue(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="child"/> carries a non-empty pending-deletion annotation.</summary>
    public static bool IsMarked(ObjectMeta child)
    {
        ArgumentNullException.ThrowIfNull(child);
        return child.Annotations is { } annotations && annotations.TryGetValue(AnnotationKeys.PendingDeletion, out var value) && value.Length > 0;
    }

    /// <summary>Whether the child is being cleaned up (marked or terminating): a same-named desired child must not be re-applied over it.</summary>
    public static bool IsCleanupInProgress(ObjectMeta child) => IsMarked(child) || child.DeletionTimestamp is not null;

    /// <summary>
    /// The decision for one observed child that is no longer desired. <paramref name="conditions"/> is the child's
    /// <c>status.conditions</c>. A terminating child is waited for (rather than deleted again) for every kind.
    /// </summary>
    public static RetireDecision Decide(RetiredKind kind, ObjectMeta child, IEnumerable<Condition>? conditions)
    {
        ArgumentNullException.ThrowIfNull(child);
        var name = child.Name ?? throw new ArgumentException("the child has no metadata.name", nameof(child));
        if (child.DeletionTimestamp is not null)
            return new RetireDecision(name, RetireAction.WaitTerminating, null, null);
        if (!IsMarked(child))
            return new RetireDecision(name, RetireAction.AnnotatePendingDeletion, EventPendingDeletion, $"Marked {KindName(kind)} {name} for graceful deletion");
        if (!ConditionSet.IsTrue(conditions, ConditionTypes.ReadyForDeletion))
            return new RetireDecision(name, RetireAction.WaitReadyForDeletion, null, null);
        var deleted = kind == RetiredKind.Shard ? $"Deleted Shard {name} after cleanup" : $"Deleted orphaned {KindName(kind)} {name}";
        return new RetireDecision(name, RetireAction.Delete, EventDeleted, deleted);
    }

    /// <summary>
    /// Steps 5 and 6 of the TableGroup reconcile as one pure plan over the step-4 snapshot of child Shards.
    /// </summary>
    public static ShardChildPlan PlanShards(TableGroup tableGroup, IReadOnlyList<Shard> observedShards)
    {
        ArgumentNullException.ThrowIfNull(tableGroup);
        ArgumentNullException.ThrowIfNull(observedShards);
        var observedByName = new Dictionary<string, Shard>(StringComparer.Ordinal);
        foreach (var shard in observedShards)
        {
            if (shard.Metadata.Name is { } n)
                observedByName[n] = shard;
        }

        var toApply = new List<Shard>();
        var heldBack = new List<string>();
        foreach (var desired in ShardCrBuilder.BuildAll(tableGroup))
        {
            var name = desired.Metadata.Name!;
            if (observedByName.TryGetValue(name, out var existing) && IsCleanupInProgress(existing.Metadata))
                heldBack.Add(name);
            else
                toApply.Add(desired);
        }

        var applied = toApply.Select(s => s.Metadata.Name!).ToHashSet(StringComparer.Ordinal);
        var retire = observedShards
            .Where(s => s.Metadata.Name is { } n && !applied.Contains(n))
            .Select(s => Decide(RetiredKind.Shard, s.Metadata, s.Status?.Conditions))
            .ToList();
        return new ShardChildPlan(toApply, heldBack, retire);
    }

    /// <summary>Warning <c>CleanUpError</c> text when annotating a Shard failed.</summary>
    public static string AnnotateShardFailedMessage(string shardName, string error) => $"Failed to set PendingDeletion on shard {shardName}: {error}";

    /// <summary>Warning <c>CleanUpError</c> text when deleting a drained Shard failed.</summary>
    public static string DeleteShardFailedMessage(string shardName, string error) => $"Failed to delete shard {shardName} after cleanup: {error}";

    /// <summary>
    /// A TableGroup that is itself pending deletion (spec §6.2 step 2): which child Shards still need the annotation
    /// (event <c>PendingDeletion</c> "Marked Shard &lt;n&gt; for graceful deletion (parent pending)") and whether every
    /// Shard is ready for deletion (a terminating Shard counts as not ready), after which the TableGroup reports
    /// <c>ReadyForDeletion=True</c>.
    /// </summary>
    public static (IReadOnlyList<RetireDecision> ToAnnotate, bool AllReady) PlanParentPending(IReadOnlyList<Shard> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var toAnnotate = shards
            .Where(s => s.Metadata.Name is not null && !IsMarked(s.Metadata))
            .Select(s => new RetireDecision(s.Metadata.Name!, RetireAction.AnnotatePendingDeletion, EventPendingDeletion, $"Marked Shard {s.Metadata.Name} for graceful deletion (parent pending)"))
            .ToList();
        var allReady = shards.All(s => s.Metadata.DeletionTimestamp is null && ConditionSet.IsTrue(s.Status?.Conditions, ConditionTypes.ReadyForDeletion));
        return (toAnnotate, allReady);
    }

    /// <summary>Event message once a TableGroup is marked ready for deletion.</summary>
    public static string TableGroupReadyForDeletionMessage(string tableGroupName) => $"TableGroup {tableGroupName} marked ready for deletion";

    private static string KindName(RetiredKind kind) => kind switch
    {
        RetiredKind.Cell => ApiConstants.CellKind,
        RetiredKind.TableGroup => ApiConstants.TableGroupKind,
        _ => ApiConstants.ShardKind,
    };
}
