namespace MultigresOrleans.Grains.Drain;

/// <summary>A Kubernetes Event to record on the Shard about a pod (spec §10.7); <see cref="Type"/> is Normal or Warning.</summary>
public sealed record DrainEvent(string Type, string Reason, string Message)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}

/// <summary>Event reasons of the drain protocol (spec §10.7, plus <see cref="DrainTimedOut"/>, see README).</summary>
public static class DrainEventReasons
{
    public const string DrainStarted = "DrainStarted";
    public const string DrainCompleted = "DrainCompleted";
    public const string DrainCancelled = "DrainCancelled";
    public const string PodUpdated = "PodUpdated";
    public const string RollingUpdateStarted = "RollingUpdateStarted";
    public const string ScaleDownBlocked = "ScaleDownBlocked";

    /// <summary>Not emitted by the reference, which times out silently (spec §16.11); see README "Deviations".</summary>
    public const string DrainTimedOut = "DrainTimedOut";
}

/// <summary>The data-plane fact a drain step is waiting for, if any.</summary>
public enum DrainWait
{
    /// <summary>Not waiting: the step advanced, finished, or there is nothing to do.</summary>
    None = 0,

    /// <summary>The topology of the pod's cell could not be read, so its pooler's role is unknown.</summary>
    TopologyUnavailable,

    /// <summary>The pod's pooler still holds the primary role.</summary>
    PodIsPrimary,

    /// <summary>No other pooler of the shard serves as primary yet, so removing this pod could leave the shard without writes or quorum.</summary>
    NoOtherServingPrimary,
}

/// <summary>How a pass ended for the drain; <see cref="DrainTransition.MetricResult"/> maps it to <c>drain_operations_total</c>.</summary>
public enum DrainOutcome
{
    /// <summary>Nothing changed (no drain, already terminal, or waiting).</summary>
    None = 0,

    /// <summary>Moved one state forward, not yet terminal.</summary>
    Advanced,

    /// <summary>Reached <c>ready-for-deletion</c> because every fact it waited for held.</summary>
    Completed,

    /// <summary>Reached <c>ready-for-deletion</c> because the timeout expired.</summary>
    TimedOut,

    /// <summary>A stale <c>requested</c> drain was cancelled; both annotations are removed.</summary>
    Cancelled,
}

/// <summary>Something the caller should do in the data plane for the drain to make progress.</summary>
public enum DrainAction
{
    None = 0,

    /// <summary>
    /// Ask for a planned switchover away from this pod (multiadmin <c>SwitchPrimary</c> or multipooler
    /// <c>ResignLeadership</c>, dataplane-contracts §8.17). Without it a primary drain ends by timeout.
    /// </summary>
    ResignPrimary,
}

/// <summary>
/// The result of one drain step for one pod.
/// </summary>
/// <param name="State">The state once <paramref name="AnnotationPatch"/> is applied; null means no drain annotation.</param>
/// <param name="AnnotationPatch">
/// Pod <c>metadata.annotations</c> merge-patch entries (a null value removes the key); empty means write nothing.
/// </param>
/// <param name="Event">The event to record after the patch succeeded, if any.</param>
/// <param name="Wait">What the drain is waiting for; <see cref="DrainWait.None"/> unless it is stuck on a fact.</param>
/// <param name="WaitMessage">A sentence for logs and status saying what is awaited, or null.</param>
/// <param name="Outcome">How this pass ended for the drain.</param>
/// <param name="Action">A data-plane request that would let the wait end early.</param>
/// <param name="RequeueAfter">When to look again; null when nothing more will happen without an outside change.</param>
public sealed record DrainTransition(
    DrainState? State,
    IReadOnlyDictionary<string, string?> AnnotationPatch,
    DrainEvent? Event,
    DrainWait Wait,
    string? WaitMessage,
    DrainOutcome Outcome,
    DrainAction Action,
    TimeSpan? RequeueAfter)
{
    /// <summary>The <c>result</c> label for <c>multigres_operator_drain_operations_total</c>, or null when not counted.</summary>
    public string? MetricResult => Outcome switch
    {
        DrainOutcome.Completed => "success",
        DrainOutcome.TimedOut => "timeout",
        _ => null,
    };

    /// <summary>The pass must write the pod's annotations.</summary>
    public bool WritesAnnotations => AnnotationPatch.Count > 0;
}
