using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Clusters;

/// <summary>
/// The MultigresCluster status of spec §11.1 from the observed children. Pure: the grain passes what
/// its informers hold. A child counts only once it has observed its current generation ("fresh"),
/// so a status never reports a child Healthy for a spec it has not seen yet.
/// </summary>
public static class ClusterStatusBuilder
{
    public const string AggregatedStatus = "AggregatedStatus";
    public const string AvailabilityMessage = "Aggregation of cell availability";

    /// <summary>
    /// Not in the reference: whether the last reconcile could use the topology server. The reference
    /// reports an unreachable etcd only as events and a growing backoff; a condition is what
    /// <c>kubectl get -o yaml</c> and alerting read.
    /// </summary>
    public const string TopologyReady = "TopologyReady";
    public const string TopologyRegistered = "Registered";
    public const string TopologyError = "TopologyError";

    public static Condition TopologyCondition(MultigresCluster cluster, string? error, DateTimeOffset now) => error is null
        ? ConditionSet.Make(TopologyReady, true, TopologyRegistered, "Cells and databases are registered in the topology", cluster.Metadata.Generation ?? 0, now)
        : ConditionSet.Make(TopologyReady, false, TopologyError, error, cluster.Metadata.Generation ?? 0, now);

    public static MultigresClusterStatus Compute(
        MultigresCluster cluster,
        IReadOnlyList<Cell> cells,
        IReadOnlyList<TableGroup> tableGroups,
        IReadOnlyList<TopoServer> topoServers,
        Condition? imageCondition,
        ImagesStatus? images,
        DateTimeOffset now,
        Condition? topologyCondition = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var generation = cluster.Metadata.Generation ?? 0;
        var cellSummaries = new Dictionary<string, CellStatusSummary>(StringComparer.Ordinal);
        foreach (var cell in cells)
        {
            var ready = Fresh(cell.Metadata, cell.Status?.ObservedGeneration) && ConditionSet.IsTrue(cell.Status?.Conditions, ConditionTypes.Available);
            cellSummaries[cell.Spec.Name] = new CellStatusSummary { Ready = ready, GatewayReplicas = cell.Status?.GatewayReplicas ?? 0 };
        }

        var databases = new Dictionary<string, DatabaseStatusSummary>(StringComparer.Ordinal);
        foreach (var group in tableGroups.GroupBy(t => t.Spec.DatabaseName, StringComparer.Ordinal))
        {
            databases[group.Key] = new DatabaseStatusSummary
            {
                ReadyShards = group.Where(t => Fresh(t.Metadata, t.Status?.ObservedGeneration)).Sum(t => t.Status?.ReadyShards ?? 0),
                TotalShards = group.Sum(t => t.Status?.TotalShards ?? 0),
            };
        }

        var children = cells.Select(c => (c.Metadata, c.Status?.ObservedGeneration, c.Status?.Phase))
            .Concat(tableGroups.Select(t => (t.Metadata, t.Status?.ObservedGeneration, t.Status?.Phase)))
            .Concat(topoServers.Select(t => (t.Metadata, t.Status?.ObservedGeneration, t.Status?.Phase)))
            .ToList();
        Phase phase;
        string message;
        if (children.Any(c => Fresh(c.Metadata, c.ObservedGeneration) && c.Phase == Phase.Degraded))
            (phase, message) = (Phase.Degraded, "Cluster is degraded");
        else if (children.All(c => Fresh(c.Metadata, c.ObservedGeneration) && c.Phase == Phase.Healthy))
            (phase, message) = (Phase.Healthy, "Ready");
        else
            (phase, message) = (Phase.Progressing, "Cluster is progressing");

        var available = cellSummaries.Count > 0 && cellSummaries.Values.All(c => c.Ready);
        var conditions = ConditionSet.Set(cluster.Status?.Conditions,
            ConditionSet.Make(ConditionTypes.Available, available, AggregatedStatus, AvailabilityMessage, generation, now));
        if (imageCondition is not null)
            conditions = ConditionSet.Set(conditions, imageCondition);
        if (topologyCondition is not null)
            conditions = ConditionSet.Set(conditions, topologyCondition);
        return new MultigresClusterStatus
        {
            ObservedGeneration = generation,
            Conditions = conditions,
            Phase = phase,
            Message = message,
            Cells = cellSummaries,
            Databases = databases,
            ResolvedTemplates = TemplateUsage.ResolvedTemplates(cluster.Spec),
            Images = images,
            Gateway = cluster.Status?.Gateway,
            AdminWeb = cluster.Status?.AdminWeb,
        };
    }

    private static bool Fresh(ObjectMeta metadata, long? observedGeneration) => (observedGeneration ?? -1) == (metadata.Generation ?? 0);
}
