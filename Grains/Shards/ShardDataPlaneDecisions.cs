using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Grains.Drain;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Grains.Topology.ClusterMetadata;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Shards;

/// <summary>The pooler records of one cell of the shard, or the reason the cell could not be read (<see cref="Records"/> null).</summary>
public sealed record CellPoolers(string Cell, IReadOnlyList<PoolerRecord>? Records, string? Error = null)
{
    public bool Observed => Records is not null;
}

/// <summary>A quarantined pod chosen for replacement, with its record's reason (dataplane-contracts §5.4).</summary>
public sealed record QuarantinePlan(string? PodToReplace, string? Reason, DrainEvent? Event);

/// <summary>
/// The pure decisions of the Shard's data-plane pass (dataplane-contracts §1.6, §5.2–5.4): pod roles from the pooler
/// records, the facts a drain step waits on, and which quarantined pod may be replaced. The grain reads the topology
/// once per pass and hands the records in; nothing here reads a clock or a server.
/// </summary>
public static class ShardDataPlaneDecisions
{
    public const string RolePrimary = PoolScaleDecisions.RolePrimary;
    public const string RoleReplica = "REPLICA";
    public const string RoleQuarantined = PoolScaleDecisions.RoleQuarantined;

    /// <summary>How old a quarantined pod must be before it is replaced (§5.4): a new pod gets time to come up first.</summary>
    public static readonly TimeSpan QuarantineMinimumAge = TimeSpan.FromMinutes(3);

    /// <summary>A record's role (§5.2 step 3, first match wins); null for a SHUTDOWN record, which is omitted.</summary>
    public static string? RoleOf(Multipooler pooler)
    {
        var lifecycle = pooler.LifecycleStatus?.Status ?? PoolerLifecycleStatus.LifecycleUnknown;
        if (lifecycle == PoolerLifecycleStatus.LifecycleShutdown)
            return null;
        if (lifecycle == PoolerLifecycleStatus.LifecycleQuarantined)
            return RoleQuarantined;
        return pooler.RoutingState?.Role == RoutingRole.Primary ? RolePrimary : RoleReplica;
    }

    /// <summary>
    /// <c>status.podRoles</c> after this pass (§5.2): each managed pod with a live matching record gets its role; a
    /// pod without one keeps its previous role only while some cell could not be read (no evidence it lost it).
    /// Unlike the reference, roles of pods that no longer exist are always dropped: they can only mislead the
    /// scale-down score and the primary gate.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PodRoles(
        IReadOnlyCollection<string> podNames, IReadOnlyDictionary<string, string>? previous, IReadOnlyList<CellPoolers> cells)
    {
        var roles = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var allObserved = cells.All(c => c.Observed);
        foreach (var pod in podNames)
        {
            if (MatchingRecord(pod, cells) is { } record && RoleOf(record.Pooler) is { } role)
                roles[pod] = role;
            else if (!allObserved && previous is not null && previous.TryGetValue(pod, out var kept))
                roles[pod] = kept;
        }

        return roles;
    }

    /// <summary>
    /// The record that backs <paramref name="pod"/> (PodMatchesPooler, §2.4), preferring a live one: a recreated pod
    /// re-registers under the same key, but a stale SHUTDOWN record of another id may still match by hostname.
    /// </summary>
    public static PoolerRecord? MatchingRecord(string pod, IEnumerable<CellPoolers> cells)
    {
        PoolerRecord? shutdown = null;
        foreach (var record in cells.SelectMany(c => c.Records ?? []))
        {
            if (!TopologyRecords.PodMatchesPooler(pod, record.Pooler))
                continue;
            if (!TopologyRecords.IsShutdown(record.Pooler))
                return record;
            shutdown ??= record;
        }

        return shutdown;
    }

    /// <summary>
    /// The drain facts of one pod (Grains/Drain DrainObservation): whether its cell was read, its own record, and
    /// whether another pooler of the shard serves as primary.
    /// </summary>
    public static DrainFacts DrainFactsFor(
        Pod pod, string? cell, IReadOnlyList<CellPoolers> cells, bool withinDesiredReplicas, bool specDrifted, bool resizePending, bool pendingDeletion)
    {
        var name = pod.Metadata.Name!;
        var own = MatchingRecord(name, cells);
        var anotherPrimary = cells.SelectMany(c => c.Records ?? [])
            .Any(r => !TopologyRecords.PodMatchesPooler(name, r.Pooler) && PoolerFacts.From(r.Pooler).IsServingPrimary);
        return new DrainFacts
        {
            TopologyObserved = cell is not null && cells.Any(c => c.Cell == cell && c.Observed),
            PoolerLifecycle = own is null ? null : (int)(own.Pooler.LifecycleStatus?.Status ?? PoolerLifecycleStatus.LifecycleUnknown),
            PoolerServingStatus = own is null ? null : (int)own.Pooler.ServingStatus,
            PoolerRoutingRole = own is null ? null : (int)(own.Pooler.RoutingState?.Role ?? RoutingRole.Unknown),
            AnotherPrimaryServing = anotherPrimary,
            WithinDesiredReplicas = withinDesiredReplicas,
            SpecDrifted = specDrifted,
            FilesystemResizePending = resizePending,
            ShardPendingDeletion = pendingDeletion,
        };
    }

    /// <summary>
    /// Quarantine remediation (§5.4, spec §6.12): the first quarantined pod (by name) that may be replaced now, or the
    /// event saying why none may. <paramref name="quarantined"/> maps pod name → the record's lifecycle reason.
    /// </summary>
    public static QuarantinePlan PlanQuarantine(
        IReadOnlyList<Pod> shardPods, IReadOnlyDictionary<string, string> quarantined, IReadOnlyDictionary<string, string>? podRoles,
        bool backupHealthy, DateTimeOffset now, TimeSpan? minimumAge = null)
    {
        if (quarantined.Count == 0)
            return new QuarantinePlan(null, null, null);
        if (!backupHealthy)
        {
            return new QuarantinePlan(null, null, new DrainEvent(DrainEvent.Warning, "QuarantineRemediationBlocked",
                string.Create(CultureInfo.InvariantCulture, $"Deferring replacement of {quarantined.Count} quarantined pod(s): no healthy backup to restore from")));
        }

        DrainEvent? deferred = null;
        foreach (var (podName, reason) in quarantined.OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            var pod = shardPods.FirstOrDefault(p => p.Metadata.Name == podName);
            if (pod is null || pod.Metadata.DeletionTimestamp is not null)
                continue;
            if (podRoles?.GetValueOrDefault(podName) == RolePrimary)
                continue;
            if (pod.Metadata.CreationTimestamp is { } created && now - created < (minimumAge ?? QuarantineMinimumAge))
                continue;

            var poolCell = PoolCellOf(pod);
            var blocker = shardPods.FirstOrDefault(p => p.Metadata.Name != podName && PoolCellOf(p) == poolCell
                && !quarantined.ContainsKey(p.Metadata.Name!)
                && p.Metadata.DeletionTimestamp is null
                && DrainStates.FromAnnotations(p.Metadata.Annotations) is null
                && !PoolScaleDecisions.IsReady(p));
            if (blocker is not null)
            {
                deferred ??= new DrainEvent(DrainEvent.Warning, "QuarantineRemediationDeferred",
                    $"Deferring replacement of quarantined pod {podName}: pool has other non-ready pods");
                continue;
            }

            return new QuarantinePlan(podName, reason, new DrainEvent(DrainEvent.Warning, "QuarantineRemediation",
                $"Replacing quarantined pod {podName} (reason: {(reason.Length > 0 ? reason : "unspecified")}): wiping data PVC to re-bootstrap from backup"));
        }

        return new QuarantinePlan(null, null, deferred);
    }

    /// <summary>The pod's pool and cell from its labels ("pool/cell"), the unit of "at most one at a time".</summary>
    public static string PoolCellOf(Pod pod) =>
        (pod.Metadata.Labels?.GetValueOrDefault(LabelKeys.Pool) ?? "") + "/" + (pod.Metadata.Labels?.GetValueOrDefault(LabelKeys.Cell) ?? "");
}
