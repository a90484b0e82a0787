namespace MultigresOrleans.Grains.Builders.PoolPods;

using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

/// <summary>A data PVC to grow: <c>pool.storage.size</c> went up (shrinking is refused by the API server and never planned).</summary>
public sealed record PvcExpansion(string PvcName, Quantity From, Quantity To);

/// <summary>
/// Phase 1 of <c>reconcilePoolPods</c> (spec §6.6.4) for one pool in one cell. Every missing PVC and pod is created in
/// the same pass (parallel bootstrap); the disruptive repairs (deleting a terminated pod, draining an externally
/// deleted one) are limited to one per pass and only when nothing else was done.
/// </summary>
public sealed record PoolCreatePlan
{
    /// <summary>Pod indexes with no pod: create them all now.</summary>
    public required IReadOnlyList<int> MissingPodIndexes { get; init; }

    /// <summary>PVC indexes with no data PVC: create them (before the pods that mount them).</summary>
    public required IReadOnlyList<int> MissingPvcIndexes { get; init; }

    /// <summary>Wanted PVCs still labelled orphan (a scale-up re-adopting them): remove the label before anything else.</summary>
    public required IReadOnlyList<string> PvcsToClearOrphanLabel { get; init; }

    /// <summary>Wanted PVCs whose request is below the desired size.</summary>
    public required IReadOnlyList<PvcExpansion> PvcsToExpand { get; init; }

    /// <summary>A Failed/Succeeded pod to delete so Phase 1 recreates it on a later pass; null when none or when another action came first.</summary>
    public string? TerminatedPodToDelete { get; init; }

    /// <summary>A pod someone else is deleting that had been scheduled and carries no drain state: start a drain on it.</summary>
    public string? ExternallyDeletedPodToDrain { get; init; }

    /// <summary>Whether Phase 1 acted; when true, Phases 2 and 3 start no new drain in this pass.</summary>
    public required bool ActionTaken { get; init; }
}

/// <summary>Phase 2 of <c>reconcilePoolPods</c> (scale-down, spec §6.6.4 and §6.10) for one pool in one cell.</summary>
public sealed record ScaleDownPlan
{
    /// <summary>Pods in state <c>ready-for-deletion</c>: run the PVC decision of <see cref="OrphanPvcDecisions"/>, then delete each.</summary>
    public required IReadOnlyList<string> PodsToDelete { get; init; }

    /// <summary>Pods beyond the effective replicas (or with an unparseable index), in name order.</summary>
    public required IReadOnlyList<string> ExtraPods { get; init; }

    /// <summary>Some pod has a drain state other than ready-for-deletion, or is being deleted.</summary>
    public required bool DrainInProgress { get; init; }

    /// <summary>An extra pod being deleted from outside without a drain state, to drain before it goes.</summary>
    public string? ExternallyDeletedPodToDrain { get; init; }

    /// <summary>The one extra pod to start draining now (event <c>DrainStarted</c>); null when none.</summary>
    public string? PodToDrain { get; init; }

    /// <summary>
    /// Set when the health gate refused the drain: the Warning <c>ScaleDownBlocked</c> message. Taking a pod away from
    /// a pool that already misses ready members could take it below what the durability policy needs.
    /// </summary>
    public string? BlockedMessage { get; init; }

    /// <summary>Whether Phase 1 or this phase acted.</summary>
    public required bool ActionTaken { get; init; }
}

/// <summary>
/// The pure decisions of <c>reconcilePoolPods</c> (spec §6.6.4, §6.10) that need neither the API server nor the drain
/// state machine: which pods and PVCs to create, and which pod a scale-down retires next. The grain lists the pool's
/// pods and PVCs by <see cref="PoolPodMetadata.Selector"/>, asks these functions, then performs the writes.
/// </summary>
/// <remarks>
/// Scale-down never deletes a pod directly: it marks one pod at a time for draining, and the drain state machine
/// (§6.9) paces its removal. Choosing the highest index keeps the surviving indexes dense (0..n-1), so the PVC names a
/// later scale-up wants are the ones most recently used; preferring a non-ready, non-primary pod avoids both a
/// failover and the loss of a healthy replica.
/// </remarks>
public static class PoolScaleDecisions
{
    public const string RolePrimary = "PRIMARY";
    public const string RoleQuarantined = "QUARANTINED";
    public const string PhaseFailed = "Failed";
    public const string PhaseSucceeded = "Succeeded";

    /// <summary>Score adjustments of the scale-down choice: never prefer the primary, always prefer a non-ready pod.</summary>
    public const int PrimaryPenalty = 1000;
    public const int NotReadyBonus = 500;

    /// <summary>The user-desired pods per cell: <c>replicasPerCell</c>, 1 when unset.</summary>
    public static int DesiredReplicas(PoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.ReplicasPerCell ?? 1;
    }

    /// <summary>
    /// A pod's data-plane role from <c>shard.status.podRoles</c>: the entry named after the pod, or any entry whose key
    /// starts with <c>podName + "."</c> (the topology may record a pod by its FQDN).
    /// </summary>
    public static string? PodRole(string podName, IReadOnlyDictionary<string, string>? podRoles)
    {
        ArgumentNullException.ThrowIfNull(podName);
        if (podRoles is null)
            return null;
        if (podRoles.TryGetValue(podName, out var role))
            return role;
        var prefix = podName + ".";
        foreach (var key in podRoles.Keys.Order(StringComparer.Ordinal))
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
                return podRoles[key];
        }

        return null;
    }

    /// <summary>
    /// The desired replicas plus one stand-in per DRAINED pod (§6.6.4 Phase 0): a DRAINED pod keeps its index but no
    /// longer serves, so the pool provisions an extra member instead of waiting for it.
    /// </summary>
    public static int EffectiveReplicas(int desiredReplicas, IEnumerable<Pod> pods, IReadOnlyDictionary<string, string>? podRoles)
    {
        ArgumentNullException.ThrowIfNull(pods);
        return desiredReplicas + pods.Count(p => PodRole(p.Metadata.Name ?? "", podRoles) == LabelValues.RoleDrained);
    }

    /// <summary>The index after a pod name's last <c>-</c>, or null when it is not a plain non-negative number.</summary>
    public static int? PodIndex(string podName)
    {
        ArgumentNullException.ThrowIfNull(podName);
        var dash = podName.LastIndexOf('-');
        return dash >= 0 && int.TryParse(podName.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : null;
    }

    /// <summary>Whether the pod's <c>Ready</c> condition is True.</summary>
    public static bool IsReady(Pod pod) => HasTrueCondition(pod, "Ready");

    /// <summary>The pod's <c>drain.multigres.com/state</c>, or "" when none.</summary>
    public static string DrainState(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata.Annotations is { } a && a.TryGetValue(AnnotationKeys.DrainState, out var state) ? state : "";
    }

    /// <summary>
    /// <c>handleExternalDeletion</c>'s decision for a pod someone else is deleting: drain it unless it was never
    /// scheduled (nothing registered it in the topology) or a drain is already under way.
    /// </summary>
    public static bool ExternalDeletionNeedsDrain(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return HasTrueCondition(pod, "PodScheduled") && DrainState(pod).Length == 0;
    }

    /// <summary>
    /// Phase 1 for indexes 0..<paramref name="effectiveReplicas"/>-1 of the pool whose pods are named
    /// <c>&lt;podBaseName&gt;-&lt;i&gt;</c> and whose PVCs <c>data-&lt;podBaseName&gt;-&lt;i&gt;</c>.
    /// </summary>
    public static PoolCreatePlan PlanCreate(
        string podBaseName,
        int effectiveReplicas,
        Quantity desiredSize,
        IReadOnlyCollection<Pod> pods,
        IReadOnlyCollection<PersistentVolumeClaim> pvcs)
    {
        ArgumentException.ThrowIfNullOrEmpty(podBaseName);
        ArgumentOutOfRangeException.ThrowIfNegative(effectiveReplicas);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(pvcs);
        var podsByName = pods.Where(p => p.Metadata.Name is not null).ToDictionary(p => p.Metadata.Name!, StringComparer.Ordinal);
        var pvcsByName = pvcs.Where(p => p.Metadata.Name is not null).ToDictionary(p => p.Metadata.Name!, StringComparer.Ordinal);

        var missingPods = new List<int>();
        var missingPvcs = new List<int>();
        var clearOrphan = new List<string>();
        var expand = new List<PvcExpansion>();
        string? terminated = null;
        string? external = null;
        var actionTaken = false;

        for (var i = 0; i < effectiveReplicas; i++)
        {
            var podName = podBaseName + "-" + i.ToString(CultureInfo.InvariantCulture);
            var pvcName = "data-" + podName;
            if (!pvcsByName.TryGetValue(pvcName, out var pvc))
            {
                missingPvcs.Add(i);
            }
            else
            {
                if (OrphanPvcDecisions.IsOrphan(pvc))
                    clearOrphan.Add(pvcName);
                if (NeedsExpansion(pvc, desiredSize) is { } current)
                    expand.Add(new PvcExpansion(pvcName, current, desiredSize));
            }

            if (!podsByName.TryGetValue(podName, out var pod))
            {
                missingPods.Add(i);
                actionTaken = true;
                continue;
            }

            var deleting = pod.Metadata.DeletionTimestamp is not null;
            if (!deleting && pod.Status?.Phase is PhaseFailed or PhaseSucceeded)
            {
                if (!actionTaken)
                    terminated = podName;
                actionTaken = true;
            }
            else if (deleting && !actionTaken)
            {
                if (ExternalDeletionNeedsDrain(pod))
                    external = podName;
                actionTaken = true;
            }
        }

        return new PoolCreatePlan
        {
            MissingPodIndexes = missingPods,
            MissingPvcIndexes = missingPvcs,
            PvcsToClearOrphanLabel = clearOrphan,
            PvcsToExpand = expand,
            TerminatedPodToDelete = terminated,
            ExternallyDeletedPodToDrain = external,
            ActionTaken = actionTaken,
        };
    }

    /// <summary>
    /// Phase 2 (scale-down) in the reference's execution order: external deletions, then every ready-for-deletion pod,
    /// then at most one new drain, which needs no earlier action, no drain in progress and a healthy pool.
    /// </summary>
    public static ScaleDownPlan PlanScaleDown(
        IReadOnlyCollection<Pod> pods,
        int effectiveReplicas,
        IReadOnlyDictionary<string, string>? podRoles,
        bool actionTaken)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var sorted = pods.Where(p => p.Metadata.Name is not null).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();

        var readyForDeletion = sorted.Where(p => DrainState(p) == AnnotationValues.DrainReadyForDeletion).ToList();
        var inProgress = sorted.Any(p =>
            (DrainState(p).Length > 0 && DrainState(p) != AnnotationValues.DrainReadyForDeletion) || p.Metadata.DeletionTimestamp is not null);
        var extra = sorted.Where(p => PodIndex(p.Metadata.Name!) is not { } index || index >= effectiveReplicas).ToList();

        string? external = null;
        if (!actionTaken && extra.FirstOrDefault(p => p.Metadata.DeletionTimestamp is not null && DrainState(p).Length == 0) is { } deleted)
        {
            if (ExternalDeletionNeedsDrain(deleted))
                external = deleted.Metadata.Name;
            actionTaken = true;
        }

        if (readyForDeletion.Count > 0)
            actionTaken = true;

        string? toDrain = null;
        string? blocked = null;
        if (!actionTaken && !inProgress && extra.Count > 0)
        {
            if (!PoolHealthy(sorted, effectiveReplicas, podRoles))
            {
                blocked = $"Deferring scale-down of {extra.Count.ToString(CultureInfo.InvariantCulture)} extra pod(s): pool has non-ready pods";
            }
            else
            {
                toDrain = SelectPodToRetire(extra, podRoles);
                actionTaken = toDrain is not null;
            }
        }

        return new ScaleDownPlan
        {
            PodsToDelete = readyForDeletion.Select(p => p.Metadata.Name!).ToList(),
            ExtraPods = extra.Select(p => p.Metadata.Name!).ToList(),
            DrainInProgress = inProgress,
            ExternallyDeletedPodToDrain = external,
            PodToDrain = toDrain,
            BlockedMessage = blocked,
            ActionTaken = actionTaken,
        };
    }

    /// <summary>
    /// The extra pod to retire next: score = index, −1000 for the PRIMARY, +500 when not Ready; the highest score wins and
    /// ties go to the first pod in name order. An unparseable index scores 0.
    /// </summary>
    public static string? SelectPodToRetire(IEnumerable<Pod> extraPods, IReadOnlyDictionary<string, string>? podRoles)
    {
        ArgumentNullException.ThrowIfNull(extraPods);
        string? best = null;
        var bestScore = 0;
        foreach (var pod in extraPods.Where(p => p.Metadata.Name is not null).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            var name = pod.Metadata.Name!;
            var score = PodIndex(name) ?? 0;
            if (PodRole(name, podRoles) == RolePrimary)
                score -= PrimaryPenalty;
            if (!IsReady(pod))
                score += NotReadyBonus;
            if (best is null || score > bestScore)
            {
                best = name;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>
    /// The scale-down health gate: every pod that stays (index below the effective replicas, not draining or deleting,
    /// not DRAINED or QUARANTINED — those are handled by their own paths) must be Ready.
    /// </summary>
    public static bool PoolHealthy(IEnumerable<Pod> pods, int effectiveReplicas, IReadOnlyDictionary<string, string>? podRoles)
    {
        ArgumentNullException.ThrowIfNull(pods);
        foreach (var pod in pods)
        {
            var name = pod.Metadata.Name ?? "";
            if (DrainState(pod).Length > 0 || pod.Metadata.DeletionTimestamp is not null)
                continue;
            if (PodIndex(name) is not { } index || index >= effectiveReplicas)
                continue;
            if (PodRole(name, podRoles) is LabelValues.RoleDrained or RoleQuarantined)
                continue;
            if (!IsReady(pod))
                return false;
        }

        return true;
    }

    /// <summary>The current storage request when it is below <paramref name="desired"/>; null when equal, larger or unreadable.</summary>
    private static Quantity? NeedsExpansion(PersistentVolumeClaim pvc, Quantity desired)
    {
        if (pvc.Spec?.Resources?.Requests is not { } requests || !requests.TryGetValue("storage", out var current))
            return null;
        return current.TryGetValue(out var currentBytes) && desired.TryGetValue(out var desiredBytes) && desiredBytes > currentBytes
            ? (Quantity?)current
            : null;
    }

    private static bool HasTrueCondition(Pod pod, string type)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;
    }
}
