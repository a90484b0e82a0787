namespace MultigresOrleans.Grains.Builders.Statuses;

using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// TopoServer status (spec §11.5). Only the <c>Ready</c> condition belongs to this status writer: <c>StorageClassValid</c>
/// is owned by the guard's own field manager, so it is never part of this status patch (a server-side apply that left it
/// out would otherwise strip it from the guard's ownership).
/// </summary>
public static class TopoServerStatusBuilder
{
    /// <summary>The message prefix of the etcd workload phase.</summary>
    public const string StatefulSetComponentName = "StatefulSet";

    public const string ReasonAllReplicasReady = "AllReplicasReady";
    public const string ReasonNotAllReplicasReady = "NotAllReplicasReady";
    public const string MessageUpdateInProgress = "StatefulSet update in progress";

    /// <summary>
    /// The status once the etcd StatefulSet exists (the caller leaves status untouched while it does not).
    /// </summary>
    /// <param name="topoServer">The TopoServer; generation, name and its current Ready condition (for the transition time) are read.</param>
    /// <param name="statefulSet">The observed etcd StatefulSet.</param>
    /// <param name="pods">Pods matching the StatefulSet selector; null skips crash-loop detection.</param>
    /// <param name="now">Transition time when the Ready condition changes status.</param>
    public static TopoServerStatus Compute(TopoServer topoServer, StatefulSet statefulSet, IReadOnlyList<Pod>? pods, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(topoServer);
        ArgumentNullException.ThrowIfNull(statefulSet);
        var name = topoServer.Metadata.Name ?? throw new ArgumentException("the TopoServer has no name", nameof(topoServer));

        // An observed StatefulSet always has spec.replicas (the API server defaults it to 1); the fallback mirrors that default.
        var desired = statefulSet.Spec?.Replicas ?? 1;
        var ready = statefulSet.Status?.ReadyReplicas ?? 0;
        var stsGeneration = statefulSet.Metadata.Generation ?? 0;
        var stsObserved = statefulSet.Status?.ObservedGeneration ?? 0;
        var generation = topoServer.Metadata.Generation ?? 0;

        Condition readyCondition;
        if (stsObserved == stsGeneration && ready == desired && desired > 0)
            readyCondition = ConditionSet.Make(ConditionTypes.Ready, true, ReasonAllReplicasReady, Invariant($"All {ready} replicas are ready"), generation, now);
        else if (stsObserved != stsGeneration)
            readyCondition = ConditionSet.Make(ConditionTypes.Ready, false, ReasonNotAllReplicasReady, MessageUpdateInProgress, generation, now);
        else
            readyCondition = ConditionSet.Make(ConditionTypes.Ready, false, ReasonNotAllReplicasReady, Invariant($"{ready}/{desired} replicas ready"), generation, now);

        // Keep the transition time of the previous Ready condition, then patch only that one condition.
        var merged = ConditionSet.Set(topoServer.Status?.Conditions, readyCondition);
        var phase = PhaseHelpers.ComputeWorkloadPhase(new WorkloadPhaseInput(
            ready, desired, stsGeneration, stsObserved, pods, StatefulSetComponentName));

        return new TopoServerStatus
        {
            ObservedGeneration = generation,
            Conditions = [ConditionSet.Find(merged, ConditionTypes.Ready)!],
            Phase = phase.Phase,
            Message = phase.Message,
            ClientService = name,
            PeerService = ResourceNames.TopoServerHeadlessServiceName(name),
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
