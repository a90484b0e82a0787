using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Drain;

/// <summary>Tunables of the drain state machine; the defaults are the reference's (spec §6.9, §16.25).</summary>
public sealed record DrainSettings
{
    public static DrainSettings Default { get; } = new();

    /// <summary>
    /// The bound on every wait: a drain older than this (measured from <c>requested-at</c>) goes straight to
    /// <c>ready-for-deletion</c>. Exceeding is strict, as in the reference (<c>time.Since(start) &gt; DrainTimeout</c>).
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Requeue after a transition, so the next step is looked at promptly (the reference's 2 s).</summary>
    public TimeSpan ProgressRequeue { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Requeue while waiting for a data-plane fact. Topology changes arrive by polling (the operator does not watch
    /// etcd), so a wait needs its own timer; it is capped so the pass right after the timeout is never missed.
    /// </summary>
    public TimeSpan WaitRequeue { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// What the shard's topology says about one pooler record (dataplane-contracts §2.5/§2.6), reduced to the three
/// fields a drain can wait on. Built from a <see cref="Multipooler"/> with <see cref="From"/>.
/// </summary>
public sealed record PoolerFacts(PoolerLifecycleStatus Lifecycle, PoolerServingStatus ServingStatus, RoutingRole RoutingRole)
{
    public static PoolerFacts From(Multipooler record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new PoolerFacts(
            record.LifecycleStatus?.Status ?? PoolerLifecycleStatus.LifecycleUnknown,
            record.ServingStatus,
            record.RoutingState?.Role ?? RoutingRole.Unknown);
    }

    /// <summary>
    /// The pooler still holds the primary role: it routes as PRIMARY and its process is not on the way out. Lifecycle
    /// is checked first because the operator's SHUTDOWN mark leaves a dead primary's <c>routing_state</c> in place
    /// (dataplane-contracts §8.14); STOPPING counts as given up because a stopping pooler has already disabled serving
    /// and multiorch fails over once it reaches SHUTDOWN. UNKNOWN lifecycle (an image that publishes none) counts as
    /// live, the same way the PodRoles refresh reads it (spec §7.3).
    /// </summary>
    public bool HoldsPrimary =>
        RoutingRole == RoutingRole.Primary
        && Lifecycle is not (PoolerLifecycleStatus.LifecycleStopping or PoolerLifecycleStatus.LifecycleShutdown or PoolerLifecycleStatus.LifecycleQuarantined);

    /// <summary>
    /// The pooler is a primary that accepts writes right now: routes as PRIMARY, lifecycle ACTIVE (or UNKNOWN for
    /// images that publish none) and serving status SERVING. This is the fact "someone else has taken over" is built from.
    /// </summary>
    public bool IsServingPrimary =>
        RoutingRole == RoutingRole.Primary
        && (Lifecycle is PoolerLifecycleStatus.LifecycleActive or PoolerLifecycleStatus.LifecycleUnknown)
        && ServingStatus == PoolerServingStatus.Serving;
}

/// <summary>
/// Everything one drain step may look at for one pod, gathered by the caller in one reconcile pass. The transition
/// function reads nothing else — in particular not the clock: <see cref="Now"/> is the caller's
/// <see cref="TimeProvider"/> reading.
/// </summary>
public sealed record DrainObservation
{
    /// <summary>The pod's name, used in event and wait messages.</summary>
    public required string PodName { get; init; }

    /// <summary>The time of this pass (injected, never read from the clock here).</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>The raw <c>drain.multigres.com/requested-at</c> annotation, or null when absent.</summary>
    public string? RequestedAt { get; init; }

    /// <summary>The pod's <c>metadata.deletionTimestamp</c>; non-null means Kubernetes is already deleting it.</summary>
    public DateTimeOffset? DeletionTimestamp { get; init; }

    /// <summary>
    /// The topology of the pod's cell was read successfully this pass, so <see cref="Pooler"/> and
    /// <see cref="AnotherPrimaryServing"/> are facts rather than the absence of information.
    /// </summary>
    public bool TopologyObserved { get; init; }

    /// <summary>The pod's own pooler record (matched by PodMatchesPooler, spec §7.3), or null when none matches.</summary>
    public PoolerFacts? Pooler { get; init; }

    /// <summary>Some pooler of the same shard other than this pod's is <see cref="PoolerFacts.IsServingPrimary"/>.</summary>
    public bool AnotherPrimaryServing { get; init; }

    // The next four facts say whether the reason for the drain still holds; together with DeletionTimestamp they decide
    // stale cancellation (spec §6.9 isDrainStale). They default to "still wanted" so a caller that fills none of them
    // never has a drain cancelled behind its back.

    /// <summary>The pod has pool and cell labels, its pool exists in the spec and its index is below <c>replicasPerCell</c>.</summary>
    public bool WithinDesiredReplicas { get; init; }

    /// <summary>The pod's spec-hash differs from the desired one (podNeedsUpdate, spec §6.6.5).</summary>
    public bool SpecDrifted { get; init; }

    /// <summary>The pod's data PVC has <c>FileSystemResizePending=True</c>: the drain exists to restart it (spec §16.26).</summary>
    public bool FilesystemResizePending { get; init; }

    /// <summary>The Shard carries <c>multigres.com/pending-deletion</c>: every pod is being drained (spec §6.8.2).</summary>
    public bool ShardPendingDeletion { get; init; }
}
