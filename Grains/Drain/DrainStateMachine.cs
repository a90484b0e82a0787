using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Drain;

/// <summary>
/// The drain protocol on the <c>drain.multigres.com/state</c> annotation (spec §6.9) as a pure function: the annotation
/// value and one pass's observations in, the next state, the patch, the event and what is awaited out.
/// </summary>
/// <remarks>
/// The reference advances one state per reconcile without looking at anything (spec §16.33), so its states name
/// facts nobody checks. Here each step waits for the fact its target state names, read from the topology the shard
/// already polls: <c>draining</c> needs the pod's pooler to be observable, <c>acknowledged</c> needs it to have given
/// up the primary role, <c>ready-for-deletion</c> needs another pooler to serve as primary. Every wait is bounded by
/// <see cref="DrainSettings.Timeout"/> from <c>requested-at</c>, so a drain can be slowed by the data plane but never
/// stuck. The annotation keys and values are the reference's, so the two operators can hand a pod to each other.
/// </remarks>
public static class DrainStateMachine
{
    /// <summary>The patch that starts a drain (reference <c>initiateDrain</c>): state <c>requested</c> and the start time.</summary>
    public static IReadOnlyDictionary<string, string?> Initiate(DateTimeOffset now) => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        [AnnotationKeys.DrainState] = AnnotationValues.DrainRequested,
        [AnnotationKeys.DrainRequestedAt] = DrainTimestamps.Format(now),
    };

    /// <summary>One drain step for one pod. <paramref name="current"/> is <see cref="DrainStates.Parse"/> of the annotation.</summary>
    public static DrainTransition Next(DrainState? current, DrainObservation observation, DrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(settings);

        // No drain, or the pool reconcile's turn (it deletes ready-for-deletion pods): nothing for the state machine.
        if (current is null or DrainState.ReadyForDeletion)
            return Idle(current);

        var pod = observation.PodName;

        // Stale cancellation comes before the timeout, as in the reference, so a drain whose reason went away is undone
        // rather than completed. Only `requested` is cancellable: from `draining` on, the data plane may have acted.
        if (current == DrainState.Requested && IsStale(observation))
        {
            return new DrainTransition(
                null,
                new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    [AnnotationKeys.DrainState] = null,
                    [AnnotationKeys.DrainRequestedAt] = null,
                },
                new DrainEvent(DrainEvent.Normal, DrainEventReasons.DrainCancelled,
                    $"Cancelled stale drain on pod {pod} (now within desired state)"),
                DrainWait.None, null, DrainOutcome.Cancelled, DrainAction.None, null);
        }

        var patch = new Dictionary<string, string?>(StringComparer.Ordinal);
        var start = DrainStart(observation, patch);
        var elapsed = observation.Now - start;

        if (elapsed > settings.Timeout)
        {
            return new DrainTransition(
                DrainState.ReadyForDeletion,
                new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    [AnnotationKeys.DrainState] = AnnotationValues.DrainReadyForDeletion,
                },
                new DrainEvent(DrainEvent.Warning, DrainEventReasons.DrainTimedOut,
                    $"Drain of pod {pod} timed out after {GoDuration(settings.Timeout)} in state {current.Value.ToAnnotationValue()}; marking it ready for deletion"),
                DrainWait.None, null, DrainOutcome.TimedOut, DrainAction.None, settings.ProgressRequeue);
        }

        var deleting = observation.DeletionTimestamp is not null;
        var pendingDeletion = observation.ShardPendingDeletion;

        switch (current.Value)
        {
            case DrainState.Requested:
                // Commit only once the pod's pooler can be seen: every later step decides on what the topology says,
                // and an unreadable topology is not evidence that the pod is a replica.
                if (!observation.TopologyObserved)
                    return Waiting(current.Value, patch, DrainWait.TopologyUnavailable, TopologyMessage(pod), DrainAction.None, elapsed, settings);
                return Advance(DrainState.Draining, patch, null, settings);

            case DrainState.Draining:
                // Pending deletion takes the whole shard away: handing the primary role to a pod that is itself about to
                // go would only chain failovers (multigres#773 case 3), so there is nothing to wait for.
                if (pendingDeletion)
                    return Advance(DrainState.Acknowledged, patch, null, settings);
                if (!observation.TopologyObserved)
                    return Waiting(current.Value, patch, DrainWait.TopologyUnavailable, TopologyMessage(pod), DrainAction.None, elapsed, settings);
                if (observation.Pooler?.HoldsPrimary == true)
                {
                    // A pod Kubernetes is already deleting gives the role up on its own (STOPPING, then SHUTDOWN); asking it
                    // to resign as well would race its shutdown.
                    return Waiting(current.Value, patch, DrainWait.PodIsPrimary, PrimaryMessage(pod),
                        deleting ? DrainAction.None : DrainAction.ResignPrimary, elapsed, settings);
                }
                return Advance(DrainState.Acknowledged, patch, null, settings);

            case DrainState.Acknowledged:
                if (pendingDeletion)
                    return Complete(pod, patch, settings);
                if (!observation.TopologyObserved)
                    return Waiting(current.Value, patch, DrainWait.TopologyUnavailable, TopologyMessage(pod), DrainAction.None, elapsed, settings);
                // Checked again because multiorch may have re-elected this pod after it was acknowledged; deleting it now
                // would be the unplanned failover the drain exists to avoid.
                if (observation.Pooler?.HoldsPrimary == true)
                {
                    return Waiting(current.Value, patch, DrainWait.PodIsPrimary, PrimaryMessage(pod),
                        deleting ? DrainAction.None : DrainAction.ResignPrimary, elapsed, settings);
                }
                if (!observation.AnotherPrimaryServing)
                {
                    return Waiting(current.Value, patch, DrainWait.NoOtherServingPrimary,
                        $"waiting for another pooler of the shard to serve as primary before pod {pod} is removed",
                        DrainAction.None, elapsed, settings);
                }
                return Complete(pod, patch, settings);

            default:
                throw new ArgumentOutOfRangeException(nameof(current), current, "not a drain state");
        }
    }

    /// <summary>
    /// The reference's <c>isDrainStale</c>, with two corrections: a pending filesystem resize and a pending shard deletion
    /// are reasons to drain too. The reference cancels resize drains in the same pass that starts them (spec §16.26) and
    /// only escapes cancelling pending-deletion drains because that path calls the state machine directly.
    /// </summary>
    private static bool IsStale(DrainObservation o) =>
        o.DeletionTimestamp is null
        && o.WithinDesiredReplicas
        && !o.SpecDrifted
        && !o.FilesystemResizePending
        && !o.ShardPendingDeletion;

    /// <summary>
    /// When the timeout clock started: <c>requested-at</c> when it parses and is not in the future, else the deletion
    /// timestamp, else now. In the last two cases the annotation is rewritten with that start, so the bound holds from
    /// this pass on: the reference uses "now" for a malformed value on every pass, so such a drain never times out.
    /// </summary>
    private static DateTimeOffset DrainStart(DrainObservation o, Dictionary<string, string?> patch)
    {
        if (DrainTimestamps.TryParse(o.RequestedAt, out var requestedAt) && requestedAt <= o.Now)
            return requestedAt;

        // A future stamp (another silo's clock, a hand edit) would postpone the timeout indefinitely; "now" caps it.
        var start = o.DeletionTimestamp is { } deletion && deletion <= o.Now ? deletion : o.Now;
        patch[AnnotationKeys.DrainRequestedAt] = DrainTimestamps.Format(start);
        return start;
    }

    private static DrainTransition Idle(DrainState? current) =>
        new(current, Empty, null, DrainWait.None, null, DrainOutcome.None, DrainAction.None, null);

    private static DrainTransition Advance(DrainState next, Dictionary<string, string?> patch, DrainEvent? @event, DrainSettings settings)
    {
        patch[AnnotationKeys.DrainState] = next.ToAnnotationValue();
        return new DrainTransition(next, patch, @event, DrainWait.None, null, DrainOutcome.Advanced, DrainAction.None, settings.ProgressRequeue);
    }

    private static DrainTransition Complete(string pod, Dictionary<string, string?> patch, DrainSettings settings)
    {
        patch[AnnotationKeys.DrainState] = AnnotationValues.DrainReadyForDeletion;
        return new DrainTransition(
            DrainState.ReadyForDeletion, patch,
            new DrainEvent(DrainEvent.Normal, DrainEventReasons.DrainCompleted, $"Pod {pod} is ready for deletion"),
            DrainWait.None, null, DrainOutcome.Completed, DrainAction.None, settings.ProgressRequeue);
    }

    private static DrainTransition Waiting(
        DrainState current, Dictionary<string, string?> patch, DrainWait wait, string message, DrainAction action,
        TimeSpan elapsed, DrainSettings settings)
    {
        // Look again at the poll interval, but no later than just past the timeout so the bound is honoured on time.
        var untilTimeout = settings.Timeout - elapsed + TimeSpan.FromSeconds(1);
        var requeue = untilTimeout < settings.WaitRequeue ? untilTimeout : settings.WaitRequeue;
        return new DrainTransition(current, patch, null, wait, message, DrainOutcome.None, action, requeue);
    }

    private static string TopologyMessage(string pod) =>
        $"waiting for the topology to show the pooler of pod {pod}";

    private static string PrimaryMessage(string pod) =>
        $"waiting for the pooler of pod {pod} to give up the primary role";

    /// <summary>Go's <c>time.Duration.String()</c> for whole-second durations (5m0s), the format the reference's messages use.</summary>
    internal static string GoDuration(TimeSpan duration)
    {
        var total = (long)duration.TotalSeconds;
        var hours = total / 3600;
        var minutes = total % 3600 / 60;
        var seconds = total % 60;
        if (hours > 0) return string.Create(CultureInfo.InvariantCulture, $"{hours}h{minutes}m{seconds}s");
        if (minutes > 0) return string.Create(CultureInfo.InvariantCulture, $"{minutes}m{seconds}s");
        return string.Create(CultureInfo.InvariantCulture, $"{seconds}s");
    }

    private static readonly IReadOnlyDictionary<string, string?> Empty = new Dictionary<string, string?>(StringComparer.Ordinal);
}
