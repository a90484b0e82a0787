using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Drain;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Grains.Topology.ClusterMetadata;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Pods;

/// <summary>
/// Executes the drain state machine for one pool pod (spec §6.9, Grains/Drain). Every step reads the pod live, not
/// from the informer: the decision and the annotation patch must be about the same version of the pod (the patch
/// carries its resourceVersion), and after a silo failover the grain's new activation must continue from what the
/// pod says, never start a second drain. The grain keeps the audit trail (each transition's time, outcome, reason
/// and message, the last error) in grain storage, and a reminder that applies the 5-minute timeout even when no shard
/// reconcile comes.
/// </summary>
public sealed partial class PodGrain(
    [PersistentState("drain")] IPersistentState<PodDrainRecord> record,
    ObservedState observed, EventRecorder events, TimeProvider time, ILogger<PodGrain> logger) : Grain, IPodGrain, IRemindable
{
    public const string TimeoutReminder = "drain-timeout";

    private static readonly DrainSettings Settings = DrainSettings.Default;

    /// <summary>After a failed or conflicting write, look again soon; the write is retried with a fresh read.</summary>
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(1);

    public async Task<DrainStepResult> Initiate(DrainStartRequest request)
    {
        var pod = await ReadPodAsync().ConfigureAwait(false);
        if (pod is null)
            return DrainStepResult.Nothing(null);
        var current = DrainStates.FromAnnotations(pod.Metadata.Annotations);
        if (current is not null)
            return DrainStepResult.Nothing(current.Value.ToAnnotationValue());

        var now = time.GetUtcNow();
        if (!await PatchAsync(pod, DrainStateMachine.Initiate(now)).ConfigureAwait(false))
            return new DrainStepResult(null, "Conflict", null, RetryAfterError);
        await RecordEventAsync(pod, new DrainEvent(DrainEvent.Normal, request.EventReason, request.EventMessage)).ConfigureAwait(false);
        await AppendAsync(now, null, DrainState.Requested, "Started", request.EventReason, request.EventMessage).ConfigureAwait(false);
        await EnsureTimeoutReminderAsync().ConfigureAwait(false);
        Log.Started(logger, pod.Metadata.Namespace!, pod.Metadata.Name!, request.Trigger);
        return new DrainStepResult(AnnotationValues.DrainRequested, "Started", null, Settings.ProgressRequeue);
    }

    public async Task<DrainStepResult> Advance(DrainFacts facts)
    {
        var pod = await ReadPodAsync().ConfigureAwait(false);
        if (pod is null)
        {
            await ForgetTimeoutAsync().ConfigureAwait(false);
            return DrainStepResult.Nothing(null);
        }

        return await StepAsync(pod, Observation(pod, facts, time.GetUtcNow())).ConfigureAwait(false);
    }

    public Task<PodDrainRecord> History() => Task.FromResult(record.State);

    /// <summary>
    /// The timeout reminder. It only applies the timeout: every other step needs the shard's facts, and calling the
    /// shard from here would wait on a grain that may be calling this one. The annotation change it writes wakes the
    /// shard through the pod informer, and the shard then deletes the pod.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != TimeoutReminder)
            return;
        var pod = await ReadPodAsync().ConfigureAwait(false);
        var state = pod is null ? null : DrainStates.FromAnnotations(pod.Metadata.Annotations);
        if (pod is null || state is null or DrainState.ReadyForDeletion)
        {
            await ForgetTimeoutAsync().ConfigureAwait(false);
            return;
        }

        // Facts that keep the drain wanted and wait on the topology: the machine then acts only if the timeout has passed.
        var observation = Observation(pod, new DrainFacts { WithinDesiredReplicas = false }, time.GetUtcNow());
        if (DrainStateMachine.Next(state, observation, Settings).Outcome == DrainOutcome.TimedOut)
            await StepAsync(pod, observation).ConfigureAwait(false);
    }

    private async Task<DrainStepResult> StepAsync(Pod pod, DrainObservation observation)
    {
        var current = DrainStates.FromAnnotations(pod.Metadata.Annotations);
        var transition = DrainStateMachine.Next(current, observation, Settings);
        var waiting = transition.WaitMessage;
        if (transition.WritesAnnotations)
        {
            if (!await PatchAsync(pod, transition.AnnotationPatch).ConfigureAwait(false))
                return new DrainStepResult(current?.ToAnnotationValue(), "Conflict", null, RetryAfterError);
        }

        if (transition.Event is { } drainEvent)
            await RecordEventAsync(pod, drainEvent).ConfigureAwait(false);

        if (transition.Outcome != DrainOutcome.None)
        {
            await AppendAsync(observation.Now, current, transition.State, transition.Outcome.ToString(), transition.Event?.Reason, transition.Event?.Message)
                .ConfigureAwait(false);
            Log.Transition(logger, pod.Metadata.Namespace!, pod.Metadata.Name!, current?.ToAnnotationValue() ?? "none",
                transition.State?.ToAnnotationValue() ?? "none", transition.Outcome.ToString());
        }
        else if (record.State.Waiting != waiting)
        {
            // A new wait is worth remembering (the dashboard shows what a drain is stuck on); the same wait is not.
            record.State.Waiting = waiting;
            await record.WriteStateAsync().ConfigureAwait(false);
        }

        if (transition.State is null or DrainState.ReadyForDeletion)
            await ForgetTimeoutAsync().ConfigureAwait(false);
        else
            await EnsureTimeoutReminderAsync().ConfigureAwait(false);

        return new DrainStepResult(transition.State?.ToAnnotationValue(), transition.Outcome.ToString(), waiting, transition.RequeueAfter,
            transition.Action == DrainAction.ResignPrimary);
    }

    private DrainObservation Observation(Pod pod, DrainFacts facts, DateTimeOffset now)
    {
        PoolerFacts? pooler = facts.PoolerLifecycle is { } lifecycle
            ? new PoolerFacts((PoolerLifecycleStatus)lifecycle, (PoolerServingStatus)(facts.PoolerServingStatus ?? 0), (RoutingRole)(facts.PoolerRoutingRole ?? 0))
            : null;
        return new DrainObservation
        {
            PodName = pod.Metadata.Name!,
            Now = now,
            RequestedAt = pod.Metadata.Annotations?.GetValueOrDefault(AnnotationKeys.DrainRequestedAt),
            DeletionTimestamp = pod.Metadata.DeletionTimestamp,
            TopologyObserved = facts.TopologyObserved,
            Pooler = pooler,
            AnotherPrimaryServing = facts.AnotherPrimaryServing,
            WithinDesiredReplicas = facts.WithinDesiredReplicas,
            SpecDrifted = facts.SpecDrifted,
            FilesystemResizePending = facts.FilesystemResizePending,
            ShardPendingDeletion = facts.ShardPendingDeletion,
        };
    }

    private async Task<Pod?> ReadPodAsync()
    {
        var (ns, name) = GrainKeys.Parse(GetPrimaryKeyString());
        return await observed.Resources.Pods.TryGetAsync(name, ns).ConfigureAwait(false);
    }

    /// <summary>Merge-patches the drain annotations under the read resourceVersion; false on a conflict or a vanished pod.</summary>
    private async Task<bool> PatchAsync(Pod pod, IReadOnlyDictionary<string, string?> annotations)
    {
        var values = new JsonObject();
        foreach (var (key, value) in annotations)
            values[key] = value is null ? null : JsonValue.Create(value);
        try
        {
            await observed.Resources.Pods.PatchAsync(pod.Metadata.Name!, pod.Metadata.Namespace!, PatchType.Merge, new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = values, ["resourceVersion"] = pod.Metadata.ResourceVersion },
            }).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException exception) when (exception.StatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.NotFound)
        {
            record.State.LastError = $"writing the drain annotations of pod {pod.Metadata.Name}: {exception.Message}";
            record.State.LastErrorAt = time.GetUtcNow();
            await record.WriteStateAsync().ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Drain events are recorded on the pod's Shard (spec §10.7), where `kubectl describe shard` shows them.</summary>
    private async Task RecordEventAsync(Pod pod, DrainEvent drainEvent)
    {
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == ApiConstants.ShardKind);
        IKubernetesObject regarding = owner is not null && observed.Shards.Cache.Get(pod.Metadata.Namespace, owner.Name) is { } shard ? shard : pod;
        await events.RecordAsync(regarding, drainEvent.Type, drainEvent.Reason, drainEvent.Message).ConfigureAwait(false);
    }

    private async Task AppendAsync(DateTimeOffset at, DrainState? from, DrainState? to, string outcome, string? reason, string? message)
    {
        var transitions = record.State.Transitions;
        transitions.Add(new DrainTransitionRecord(at, from?.ToAnnotationValue(), to?.ToAnnotationValue(), outcome, reason, message));
        if (transitions.Count > PodDrainRecord.MaxTransitions)
            transitions.RemoveRange(0, transitions.Count - PodDrainRecord.MaxTransitions);
        record.State.Waiting = null;
        await record.WriteStateAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A reminder due just past the timeout, registered once per drain (re-registering would move the first tick). A
    /// drain started elsewhere (another operator, before a restart) gets one from the moment this grain first sees it,
    /// which is at or after the drain's own start, so the reminder never fires early. It repeats each minute until the
    /// drain ends, so a tick missed during a failover is made up.
    /// </summary>
    private async Task EnsureTimeoutReminderAsync()
    {
        if (_hasTimeoutReminder ??= await GetReminder(TimeoutReminder).ConfigureAwait(false) is not null)
            return;
        await RegisterOrUpdateReminder(TimeoutReminder, Settings.Timeout + TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        _hasTimeoutReminder = true;
    }

    private async Task ForgetTimeoutAsync()
    {
        if (_hasTimeoutReminder == false)
            return;
        if (await GetReminder(TimeoutReminder).ConfigureAwait(false) is { } reminder)
            await UnregisterReminder(reminder).ConfigureAwait(false);
        _hasTimeoutReminder = false;
    }

    /// <summary>Whether the timeout reminder exists, as far as this activation knows (null: not looked up yet), so a step reads the reminder table at most once.</summary>
    private bool? _hasTimeoutReminder;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "pod {Namespace}/{Pod}: drain started ({Trigger})")]
        public static partial void Started(ILogger logger, string @namespace, string pod, string trigger);

        [LoggerMessage(EventId = 2, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "pod {Namespace}/{Pod}: drain {From} -> {To} ({Outcome})")]
        public static partial void Transition(ILogger logger, string @namespace, string pod, string from, string to, string outcome);
    }
}
