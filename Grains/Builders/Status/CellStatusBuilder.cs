namespace MultigresOrleans.Grains.Builders.Statuses;

using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// Cell status (spec §11.4, §6.3). <c>Available</c> means "can serve at all" (one ready gateway) and <c>Ready</c> means
/// "converged" (every replica of the current spec ready): the cluster reports cells by the first, rollouts wait on the
/// second. The phase is measured against the Deployment's <c>status.replicas</c>, so a gateway scaled to zero reads as
/// Initializing rather than Healthy.
/// </summary>
public static class CellStatusBuilder
{
    /// <summary>The message prefix of the gateway workload phase.</summary>
    public const string GatewayComponentName = "Gateway";

    public const string ReasonAvailable = "MultigatewayAvailable";
    public const string ReasonUnavailable = "MultigatewayUnavailable";
    public const string ReasonReady = "MultigatewayReady";
    public const string ReasonNotReady = "MultigatewayNotReady";
    public const string ReasonLocalTopoServerNotReady = "LocalTopoServerNotReady";
    public const string MessageLocalTopoServerNotReady = "Waiting for managed local TopoServer to become ready";

    public const string ReasonLocalTopoServerDeleting = "LocalTopoServerDeleting";
    public const string MessageLocalTopoServerDeleting = "Waiting for managed local TopoServer deletion";
    public const string ReasonLocalTopoServerDeleted = "LocalTopoServerDeleted";
    public const string MessageLocalTopoServerDeleted = "Managed local TopoServer is deleted; ready for deletion";
    public const string ReasonStatelessComponent = "StatelessComponent";
    public const string MessageStatelessComponent = "Cell has no managed local TopoServer; ready for deletion";

    /// <summary>
    /// The status once the gateway Deployment exists (the caller leaves status untouched while it does not).
    /// </summary>
    /// <param name="cell">The Cell; generation, cluster label, spec name and existing conditions are read.</param>
    /// <param name="gateway">The observed gateway Deployment.</param>
    /// <param name="gatewayPods">Pods matching the gateway selector {component, instance, cell}; null skips crash-loop detection.</param>
    /// <param name="now">Transition time for conditions whose status changes.</param>
    public static CellStatus Compute(Cell cell, Deployment gateway, IReadOnlyList<Pod>? gatewayPods, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(gateway);
        var replicas = gateway.Status?.Replicas ?? 0;
        var ready = gateway.Status?.ReadyReplicas ?? 0;
        var deploymentGeneration = gateway.Metadata.Generation ?? 0;
        var deploymentObserved = gateway.Status?.ObservedGeneration ?? 0;
        var generation = cell.Metadata.Generation ?? 0;

        var available = ready > 0
            ? ConditionSet.Make(ConditionTypes.Available, true, ReasonAvailable, Invariant($"Multigateway {ready}/{replicas} replicas ready"), generation, now)
            : ConditionSet.Make(ConditionTypes.Available, false, ReasonUnavailable, "No ready replicas available", generation, now);
        var converged = deploymentObserved == deploymentGeneration && ready == replicas && replicas > 0;
        var readyCondition = converged
            ? ConditionSet.Make(ConditionTypes.Ready, true, ReasonReady, "All replicas match desired state", generation, now)
            : ConditionSet.Make(ConditionTypes.Ready, false, ReasonNotReady, Invariant($"Multigateway {ready}/{replicas} ready, waiting for full convergence"), generation, now);

        var phase = PhaseHelpers.ComputeWorkloadPhase(new WorkloadPhaseInput(
            ready, replicas, deploymentGeneration, deploymentObserved, gatewayPods, GatewayComponentName));

        return new CellStatus
        {
            ObservedGeneration = generation,
            Conditions = ConditionSet.SetAll(cell.Status?.Conditions, available, readyCondition),
            Phase = phase.Phase,
            Message = phase.Message,
            GatewayReplicas = replicas,
            GatewayReadyReplicas = ready,
            GatewayServiceName = ResourceNames.GatewayServiceName(ClusterOf(cell), cell.Spec.Name),
        };
    }

    /// <summary>
    /// The status written while the Cell's managed local TopoServer is not Healthy (spec §6.3 step 3): both conditions
    /// False with <c>LocalTopoServerNotReady</c>, phase Progressing. The gateway counters are carried over from the
    /// current status because no gateway was looked at.
    /// </summary>
    public static CellStatus LocalTopoServerNotReady(Cell cell, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var generation = cell.Metadata.Generation ?? 0;
        return new CellStatus
        {
            ObservedGeneration = generation,
            Conditions = ConditionSet.SetAll(
                cell.Status?.Conditions,
                ConditionSet.Make(ConditionTypes.Available, false, ReasonLocalTopoServerNotReady, MessageLocalTopoServerNotReady, generation, now),
                ConditionSet.Make(ConditionTypes.Ready, false, ReasonLocalTopoServerNotReady, MessageLocalTopoServerNotReady, generation, now)),
            Phase = Phase.Progressing,
            Message = MessageLocalTopoServerNotReady,
            GatewayReplicas = cell.Status?.GatewayReplicas ?? 0,
            GatewayReadyReplicas = cell.Status?.GatewayReadyReplicas ?? 0,
            GatewayServiceName = cell.Status?.GatewayServiceName,
        };
    }

    /// <summary>
    /// Whether the Cell may go on to its gateway (spec §6.3 step 3): true when it has no managed local TopoServer; else the
    /// TopoServer must exist, have observed its current generation and be Healthy. Ownership is checked by the caller
    /// (a foreign TopoServer of that name is an error, not a "not ready").
    /// </summary>
    public static bool LocalTopoServerReady(Cell cell, TopoServer? localTopoServer)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.Spec.TopoServer?.Etcd is null)
            return true;
        return localTopoServer is not null
            && (localTopoServer.Status?.ObservedGeneration ?? 0) == (localTopoServer.Metadata.Generation ?? 0)
            && localTopoServer.Status?.Phase == Phase.Healthy;
    }

    /// <summary>
    /// The <c>ReadyForDeletion</c> condition of a Cell under pending deletion (spec §6.3 step 1): False while its managed
    /// local TopoServer still exists or terminates, else True with a reason saying whether there was one to delete.
    /// Returns null when the condition is already True and the TopoServer is gone: nothing to write, no event.
    /// </summary>
    public static Condition? PendingDeletionCondition(Cell cell, bool localTopoServerAbsent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var generation = cell.Metadata.Generation ?? 0;
        if (!localTopoServerAbsent)
            return ConditionSet.Make(ConditionTypes.ReadyForDeletion, false, ReasonLocalTopoServerDeleting, MessageLocalTopoServerDeleting, generation, now);
        if (ConditionSet.IsTrue(cell.Status?.Conditions, ConditionTypes.ReadyForDeletion))
            return null;
        return cell.Spec.TopoServer?.Etcd is not null
            ? ConditionSet.Make(ConditionTypes.ReadyForDeletion, true, ReasonLocalTopoServerDeleted, MessageLocalTopoServerDeleted, generation, now)
            : ConditionSet.Make(ConditionTypes.ReadyForDeletion, true, ReasonStatelessComponent, MessageStatelessComponent, generation, now);
    }

    private static string ClusterOf(Cell cell) =>
        cell.Metadata.Labels is { } labels && labels.TryGetValue(LabelKeys.Cluster, out var cluster) && cluster.Length > 0
            ? cluster
            : throw new ArgumentException($"Cell {cell.Metadata.Name} has no {LabelKeys.Cluster} label", nameof(cell));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
