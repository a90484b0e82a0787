using System.Text.Json.Serialization;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Abstractions.Grains;

/// <summary>
/// One per pool pod, keyed "&lt;namespace&gt;/&lt;pod&gt;": executes the drain state machine (spec §6.9) for its pod
/// and keeps the audit trail of every transition. The Shard grain decides which pod may drain (one per pool and
/// cell) and gathers the data-plane facts once per pass; the pod grain applies the pure transition function to its
/// pod, writes the <c>drain.multigres.com/*</c> annotations, records the event and holds the timeout reminder, so a
/// drain is bounded even when no shard reconcile comes (a silo died, the shard stopped requeueing).
/// </summary>
public interface IPodGrain : IGrainWithStringKey
{
    /// <summary>Starts a drain (state <c>requested</c>), unless the pod already has one. The event is recorded on the Shard.</summary>
    Task<DrainStepResult> Initiate(DrainStartRequest request);

    /// <summary>One step of the state machine with the facts the shard gathered this pass.</summary>
    Task<DrainStepResult> Advance(DrainFacts facts);

    /// <summary>The audit trail of this pod's drains (newest last), for the dashboard and tests.</summary>
    [ReadOnly]
    Task<PodDrainRecord> History();
}

/// <summary>Why and how a drain starts: the event the planner chose (reason and message) and the trigger's name.</summary>
public sealed record DrainStartRequest(string Trigger, string EventReason, string EventMessage);

/// <summary>
/// The serialisable form of the drain observation (Grains/Drain DrainObservation) minus the clock and the pod name,
/// which the pod grain supplies. Lifecycle, serving status and routing role are the protobuf enum numbers of the
/// pod's pooler record (dataplane-contracts §2.5), absent when no record matches the pod.
/// </summary>
public sealed record DrainFacts
{
    public bool TopologyObserved { get; init; }

    public int? PoolerLifecycle { get; init; }

    public int? PoolerServingStatus { get; init; }

    public int? PoolerRoutingRole { get; init; }

    public bool AnotherPrimaryServing { get; init; }

    public bool WithinDesiredReplicas { get; init; }

    public bool SpecDrifted { get; init; }

    public bool FilesystemResizePending { get; init; }

    public bool ShardPendingDeletion { get; init; }
}

/// <summary>What one call did: the state now on the pod, what it waits for, and when to look again.</summary>
public sealed record DrainStepResult(string? State, string Outcome, string? Waiting, TimeSpan? RequeueAfter, bool ResignPrimaryRequested = false)
{
    public static DrainStepResult Nothing(string? state) => new(state, "None", null, null);
}

/// <summary>One transition of a pod's drain, as the audit trail keeps it.</summary>
public sealed record DrainTransitionRecord(DateTimeOffset At, string? From, string? To, string Outcome, string? Reason, string? Message);

/// <summary>The pod grain's persisted state: recent transitions (bounded), the last error and the last wait.</summary>
public sealed record PodDrainRecord
{
    /// <summary>How many transitions are kept: a few complete drains, enough for the dashboard's history.</summary>
    public const int MaxTransitions = 32;

    public List<DrainTransitionRecord> Transitions { get; init; } = [];

    public string? LastError { get; set; }

    public DateTimeOffset? LastErrorAt { get; set; }

    public string? Waiting { get; set; }
}

/// <summary>Source-generated JSON for the pod grain's calls and its persisted state.</summary>
[JsonSerializable(typeof(DrainStartRequest))]
[JsonSerializable(typeof(DrainFacts))]
[JsonSerializable(typeof(DrainStepResult))]
[JsonSerializable(typeof(PodDrainRecord))]
public sealed partial class PodGrainsJsonContext : JsonSerializerContext;
