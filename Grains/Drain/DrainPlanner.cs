using System.Globalization;

namespace MultigresOrleans.Grains.Drain;

/// <summary>One pool pod of a pool+cell as the planner sees it.</summary>
/// <param name="Name">Pod name; ties are broken by ordinal name order, as the reference sorts pods by name.</param>
/// <param name="Index">The pod's ordinal suffix, or null when it does not parse (such a pod is always extra).</param>
/// <param name="IsPrimary">Its PodRoles entry is PRIMARY (routing role, spec §7.3).</param>
/// <param name="IsReady">The pod's Ready condition is True.</param>
/// <param name="Drifted">Its spec-hash differs from the desired one (spec §6.6.5).</param>
/// <param name="DrainState">Its drain annotation, parsed.</param>
/// <param name="Deleting">It has a deletionTimestamp.</param>
/// <param name="Quarantined">Its PodRoles entry is QUARANTINED: expected to be unready while remediation replaces it (spec §6.12).</param>
public sealed record PoolPod(
    string Name,
    int? Index,
    bool IsPrimary,
    bool IsReady,
    bool Drifted,
    DrainState? DrainState,
    bool Deleting = false,
    bool Quarantined = false);

/// <summary>The planner's input for one pool in one cell.</summary>
/// <param name="Pods">Every pod of the pool+cell (any order).</param>
/// <param name="DesiredReplicas"><c>replicasPerCell</c> (nil ⇒ 1).</param>
/// <param name="ShardHealthy">
/// Upstream multigres-operator#620: the rest of the shard (pods of the other pools and cells) is Ready and none of it
/// is mid-drain. This pool+cell's own pods are checked here, so the flag must not include them — otherwise a drifted pod
/// that is unready because of its old spec could never be replaced.
/// </param>
/// <param name="DriftedReplicasElsewhere">
/// Some replica in another pool or cell of the shard still has an old spec. The primary then waits even when its own
/// pool+cell has no drifted replica left: with one pod per cell (the EKS layout) the primary would otherwise be
/// switched over to a replica that is itself still to be replaced, and the shard would fail over twice.
/// </param>
public sealed record PoolDrainInput(IReadOnlyList<PoolPod> Pods, int DesiredReplicas, bool ShardHealthy, bool DriftedReplicasElsewhere = false);

/// <summary>Why a drain is started.</summary>
public enum DrainTrigger
{
    None = 0,

    /// <summary>The pod's index is at or beyond the desired replicas (spec §6.6.4 Phase 2).</summary>
    ScaleDown,

    /// <summary>A drifted replica is replaced (Phase 3).</summary>
    RollingUpdateReplica,

    /// <summary>The drifted primary is replaced, after every drifted replica (Phase 3).</summary>
    RollingUpdatePrimary,
}

/// <summary>Why no drain is started this pass.</summary>
public enum PlanWait
{
    /// <summary>A drain is started.</summary>
    None = 0,

    /// <summary>No pod is extra or drifted.</summary>
    NothingToDo,

    /// <summary>A pod of this pool+cell carries a drain annotation or is being deleted: one at a time.</summary>
    DrainInProgress,

    /// <summary>The rest of the shard is not healthy (upstream #620).</summary>
    ShardUnhealthy,

    /// <summary>A pod of this pool+cell that would stay is not Ready.</summary>
    PoolNotReady,

    /// <summary>Only the primary is left to replace here, and a drifted replica elsewhere in the shard goes first.</summary>
    ReplicasFirst,
}

/// <summary>The planner's decision for one pool+cell.</summary>
/// <param name="PodToDrain">The pod to start draining now (apply <see cref="DrainStateMachine.Initiate"/> to it), or null.</param>
/// <param name="Trigger">Why that pod.</param>
/// <param name="Event">The event to record once the drain annotation is written, or a ScaleDownBlocked warning.</param>
/// <param name="Wait">Why nothing is started, when <paramref name="PodToDrain"/> is null.</param>
/// <param name="WaitMessage">A sentence for logs, or null.</param>
public sealed record DrainPlan(string? PodToDrain, DrainTrigger Trigger, DrainEvent? Event, PlanWait Wait, string? WaitMessage);

/// <summary>
/// Chooses the single pod of one pool+cell that may start draining now (spec §6.6.4 Phases 2 and 3, §6.10).
/// </summary>
/// <remarks>
/// The rules, and why:
/// <list type="bullet">
/// <item>At most one drain per pool and cell: any drain annotation (ready-for-deletion included, since that pod is not
/// deleted yet) or deletionTimestamp blocks new drains, so the PDB's <c>maxUnavailable: 1</c> is never exceeded by the
/// operator itself.</item>
/// <item>Scale-down before rolling update, as in the reference: removing an extra pod is cheaper than replacing one.
/// The candidate is the highest index, non-primary (−1000) and non-ready (+500) preferred.</item>
/// <item>Replicas before the primary: the primary is never chosen while any drifted replica remains — neither for a
/// rolling update nor as a scale-down candidate — so the pod that takes over after it is already up to date, and the
/// shard fails over once per rollout instead of once per replica.</item>
/// <item>Health gates: the rest of the shard must be healthy (#620) and every pod of this pool+cell that stays (index
/// below the desired replicas, not quarantined, not the candidate) must be Ready. The reference gates scale-down only
/// on the pool and rolling updates not at all.</item>
/// </list>
/// Drains that the shard starts outside this planner — external deletion, filesystem resize, shard pending deletion —
/// are not planned here; pending deletion deliberately drains every pod at once (spec §6.8.2).
/// </remarks>
public static class DrainPlanner
{
    public static DrainPlan Plan(PoolDrainInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var pods = input.Pods.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var desired = Math.Max(0, input.DesiredReplicas);

        var busy = pods.FirstOrDefault(p => p.DrainState is not null || p.Deleting);
        if (busy is not null)
            return Wait(PlanWait.DrainInProgress, $"pod {busy.Name} is draining or being deleted", null);

        bool IsExtra(PoolPod p) => p.Index is not { } index || index >= desired;
        var extras = pods.Where(IsExtra).ToList();
        var driftedReplicas = pods.Where(p => p.Drifted && !p.IsPrimary).ToList();
        var replicasPending = driftedReplicas.Count > 0 || input.DriftedReplicasElsewhere;

        // Scale-down first. A primary candidate (only possible when every extra pod is the primary) waits for the
        // drifted replicas: they are rolled below, and the primary goes last.
        DrainPlan? scaleDownBlocked = null;
        if (extras.Count > 0)
        {
            var candidate = extras
                .Select(p => (Pod: p, Score: (p.Index ?? -1) + (p.IsPrimary ? -1000 : 0) + (p.IsReady ? 0 : 500)))
                .OrderByDescending(s => s.Score)
                .ThenBy(s => s.Pod.Name, StringComparer.Ordinal)
                .First().Pod;
            if (!(candidate.IsPrimary && replicasPending))
            {
                if (!input.ShardHealthy)
                {
                    return Wait(PlanWait.ShardUnhealthy, "the rest of the shard is not healthy",
                        ScaleDownBlocked(extras.Count, "shard has non-ready pods"));
                }

                // Extra pods never block their own removal (upstream #325): only the pods that stay are checked.
                if (!pods.Any(p => !IsExtra(p) && !p.Quarantined && !p.IsReady))
                    return Start(candidate, DrainTrigger.ScaleDown, DrainEventReasons.DrainStarted, $"Initiated drain for extra pod {candidate.Name}");

                // Not returned yet: the unready pod may be a drifted one that only its replacement can make Ready, and
                // the rolling update below is allowed to replace it (as in the reference, where Phase 3 still runs).
                scaleDownBlocked = Wait(PlanWait.PoolNotReady, "a pod that stays is not Ready",
                    ScaleDownBlocked(extras.Count, "pool has non-ready pods"));
            }
        }

        PoolPod? target = driftedReplicas.FirstOrDefault();
        var trigger = DrainTrigger.RollingUpdateReplica;
        if (target is null)
        {
            target = pods.FirstOrDefault(p => p.Drifted && p.IsPrimary);
            trigger = DrainTrigger.RollingUpdatePrimary;
            if (target is not null && input.DriftedReplicasElsewhere)
                return scaleDownBlocked ?? Wait(PlanWait.ReplicasFirst, "drifted replicas in other pools or cells are replaced before the primary", null);
        }

        if (target is null)
            return scaleDownBlocked ?? Wait(PlanWait.NothingToDo, null, null);

        if (!input.ShardHealthy)
            return Wait(PlanWait.ShardUnhealthy, "the rest of the shard is not healthy", null);

        // The candidate itself is exempt: a drifted pod that is unready because of its old spec must still be replaceable.
        if (pods.Any(p => !ReferenceEquals(p, target) && !IsExtra(p) && !p.Quarantined && !p.IsReady))
            return scaleDownBlocked ?? Wait(PlanWait.PoolNotReady, "a pod that stays is not Ready", null);

        return trigger == DrainTrigger.RollingUpdateReplica
            ? Start(target, trigger, DrainEventReasons.PodUpdated, $"Initiated drain for drifted replica pod {target.Name}")
            : Start(target, trigger, DrainEventReasons.RollingUpdateStarted, $"Initiating primary switchover for rolling update of pod {target.Name}");
    }

    private static DrainPlan Start(PoolPod pod, DrainTrigger trigger, string reason, string message) =>
        new(pod.Name, trigger, new DrainEvent(DrainEvent.Normal, reason, message), PlanWait.None, null);

    private static DrainPlan Wait(PlanWait wait, string? message, DrainEvent? @event) =>
        new(null, DrainTrigger.None, @event, wait, message);

    private static DrainEvent ScaleDownBlocked(int extraCount, string why) =>
        new(DrainEvent.Warning, DrainEventReasons.ScaleDownBlocked,
            string.Create(CultureInfo.InvariantCulture, $"Deferring scale-down of {extraCount} extra pod(s): {why}"));
}
