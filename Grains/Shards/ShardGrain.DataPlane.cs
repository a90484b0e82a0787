using MultigresOrleans.Etcd;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Drain;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Shards;

// The Shard's data-plane pass (dataplane-contracts §1.6), after every Kubernetes object is in place:
//   read the pooler records of every pool cell once → pod roles → dead-pooler marking → quarantine remediation →
//   drain steps (through the pod grains).
// Differences from the reference, each deliberate:
//   - "Healthy but no PRIMARY" (§8.11) no longer skips the later phases: a dead primary's pod has to be marked and
//     drained for a new one to appear, and the drain steps wait for facts anyway. The pass still requeues after 10 s.
//   - The drain steps read the topology facts gathered here (the reference's drain looks at nothing, §16.33).
//   - Pod roles of pods that no longer exist are dropped even when a cell could not be read.
public sealed partial class ShardGrain
{
    private static readonly TimeSpan NoPrimaryRequeue = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan QuarantineRequeue = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan TopologyRetry = TimeSpan.FromSeconds(5);

    /// <summary>What the data-plane pass found and asks for.</summary>
    private sealed record DataPlaneOutcome(IReadOnlyDictionary<string, string>? PodRoles, TimeSpan? RequeueAfter, IReadOnlyList<CellPoolers> Cells);

    private async Task<DataPlaneOutcome> ReconcileDataPlaneAsync(Shard shard, IReadOnlyList<Pod> pods, bool pendingDeletion, DateTimeOffset now)
    {
        var cells = await ReadPoolersAsync(shard).ConfigureAwait(false);
        TimeSpan? requeue = null;
        void RequeueWithin(TimeSpan? delay)
        {
            if (delay is { } d && (requeue is null || d < requeue))
                requeue = d;
        }

        if (cells.Count > 0 && cells.All(c => !c.Observed))
        {
            await events.RecordAsync(shard, EventRecorder.Warning, "TopologyError",
                $"Failed to read poolers from the topology: {cells[0].Error}").ConfigureAwait(false);
            RequeueWithin(TopologyRetry);
        }

        var podNames = pods.Select(p => p.Metadata.Name!).ToList();
        var roles = ShardDataPlaneDecisions.PodRoles(podNames, shard.Status?.PodRoles, cells);
        if (shard.Status?.Phase == Phase.Healthy && !roles.Values.Contains(ShardDataPlaneDecisions.RolePrimary))
            RequeueWithin(NoPrimaryRequeue);

        if (shard.Spec.TopologyPruning?.Enabled != false)
            await MarkDeadPoolersAsync(shard, store: null, cells, podNames).ConfigureAwait(false);

        if (!pendingDeletion)
        {
            var quarantined = pods
                .Select(p => (Pod: p, Record: ShardDataPlaneDecisions.MatchingRecord(p.Metadata.Name!, cells)))
                .Where(x => x.Record is not null && ShardDataPlaneDecisions.RoleOf(x.Record.Pooler) == ShardDataPlaneDecisions.RoleQuarantined)
                .ToDictionary(x => x.Pod.Metadata.Name!, x => x.Record!.Pooler.LifecycleStatus?.Reason ?? "", StringComparer.Ordinal);
            var backupHealthy = ConditionSet.IsTrue(shard.Status?.Conditions, ConditionTypes.BackupHealthy);
            var plan = ShardDataPlaneDecisions.PlanQuarantine(pods, quarantined, roles, backupHealthy, now);
            if (plan.Event is { } quarantineEvent)
                await events.RecordAsync(shard, quarantineEvent.Type, quarantineEvent.Reason, quarantineEvent.Message).ConfigureAwait(false);
            if (plan.PodToReplace is { } victim)
            {
                var pod = pods.First(p => p.Metadata.Name == victim);
                await DeleteIgnoringNotFoundAsync(Resources.Pods, victim, shard.Metadata.Namespace).ConfigureAwait(false);
                if (pod.Metadata.Labels?.GetValueOrDefault(LabelKeys.Pool) is { } pool && OrphanPvcDecisions.PvcNameForPod(shard, pool, pod) is { } pvc)
                    await DeleteIgnoringNotFoundAsync(Resources.Pvcs, pvc, shard.Metadata.Namespace).ConfigureAwait(false);
                RequeueWithin(QuarantineRequeue);
                return new DataPlaneOutcome(roles, requeue, cells);
            }
        }

        RequeueWithin(await AdvanceDrainsAsync(shard, pods, cells, pendingDeletion).ConfigureAwait(false));
        return new DataPlaneOutcome(roles, requeue, cells);
    }

    /// <summary>The pooler records of every pool cell (sorted), each read once; a cell that cannot be read is recorded as such.</summary>
    private async Task<IReadOnlyList<CellPoolers>> ReadPoolersAsync(Shard shard)
    {
        var store = ShardTopology(shard);
        var filter = new DatabaseShard(shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName);
        var cells = shard.Spec.Pools.Values.SelectMany(p => p.Cells ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var result = new List<CellPoolers>();
        foreach (var cell in cells)
        {
            try
            {
                result.Add(new CellPoolers(cell, await store.GetPoolersByCellAsync(cell, filter).ConfigureAwait(false)));
            }
            catch (Exception exception) when (exception is EtcdException or TopologyException or HttpRequestException or TaskCanceledException)
            {
                result.Add(new CellPoolers(cell, null, exception.Message));
            }
        }

        return result;
    }

    private TopologyStore ShardTopology(Shard shard) =>
        topology.Get([shard.Spec.GlobalTopoServer.Address], shard.Spec.GlobalTopoServer.RootPath);

    /// <summary>Dead-pooler marking (§5.3): records no shard pod backs (terminating pods count) become LIFECYCLE_SHUTDOWN.</summary>
    private async Task MarkDeadPoolersAsync(Shard shard, TopologyStore? store, IReadOnlyList<CellPoolers> cells, IReadOnlyCollection<string> podNames)
    {
        store ??= ShardTopology(shard);
        var marked = 0;
        foreach (var cell in cells.Where(c => c.Observed))
        {
            foreach (var dead in TopologyRecords.FindDeadPoolers(cell.Records!, podNames))
            {
                try
                {
                    if (await store.MarkPoolerShutdownAsync(cell.Cell, dead.Pooler.Id).ConfigureAwait(false) == ShutdownMarkOutcome.Marked)
                        marked++;
                }
                catch (Exception exception) when (exception is EtcdException or TopologyException)
                {
                    Log.MarkFailed(logger, dead.Key, exception.Message);
                }
            }
        }

        if (marked > 0)
            await events.RecordAsync(shard, EventRecorder.Normal, "DeadPoolersMarked", $"Marked {marked} dead pooler(s) LIFECYCLE_SHUTDOWN in topology").ConfigureAwait(false);
    }

    /// <summary>
    /// One drain step for every pod that carries a drain state (ready-for-deletion excepted: the pool pass deletes
    /// those). Returns the soonest requeue the steps ask for. A primary that is asked to resign is shut down
    /// gracefully (see docs/drain.md): its pooler gives the role up as it stops and multiorch promotes another.
    /// </summary>
    private async Task<TimeSpan?> AdvanceDrainsAsync(Shard shard, IReadOnlyList<Pod> pods, IReadOnlyList<CellPoolers> cells, bool pendingDeletion)
    {
        TimeSpan? requeue = null;
        var ns = shard.Metadata.Namespace!;
        foreach (var pod in pods)
        {
            var state = DrainStates.FromAnnotations(pod.Metadata.Annotations);
            if (state is null or DrainState.ReadyForDeletion)
                continue;
            var facts = ShardDataPlaneDecisions.DrainFactsFor(
                pod,
                pod.Metadata.Labels?.GetValueOrDefault(LabelKeys.Cell),
                cells,
                WithinDesiredReplicas(shard, pod),
                Drifted(shard, pod),
                ResizePending(shard, pod),
                pendingDeletion);
            var result = await GrainFactory.GetGrain<IPodGrain>(GrainKeys.Of(ns, pod.Metadata.Name!)).Advance(facts).ConfigureAwait(false);
            if (result.ResignPrimaryRequested && pod.Metadata.DeletionTimestamp is null)
            {
                await events.RecordAsync(shard, EventRecorder.Normal, "PrimaryShutdown",
                    $"Shutting down primary pod {pod.Metadata.Name} gracefully so that another pooler is promoted").ConfigureAwait(false);
                await DeleteIgnoringNotFoundAsync(Resources.Pods, pod.Metadata.Name!, ns).ConfigureAwait(false);
            }

            if (result.RequeueAfter is { } after && (requeue is null || after < requeue))
                requeue = after;
        }

        return requeue;
    }

    private bool ResizePending(Shard shard, Pod pod) =>
        observed.Pvcs.Cache.Get(shard.Metadata.Namespace, "data-" + pod.Metadata.Name) is { } pvc && FilesystemResizePending(pvc);

    private static bool WithinDesiredReplicas(Shard shard, Pod pod)
    {
        var labels = pod.Metadata.Labels;
        if (labels?.GetValueOrDefault(LabelKeys.Pool) is not { } pool || !shard.Spec.Pools.TryGetValue(pool, out var spec))
            return false;
        return PoolScaleDecisions.PodIndex(pod.Metadata.Name!) is { } index && index < PoolScaleDecisions.DesiredReplicas(spec);
    }

    private bool Drifted(Shard shard, Pod pod)
    {
        var labels = pod.Metadata.Labels;
        if (labels?.GetValueOrDefault(LabelKeys.Pool) is not { } pool || labels.GetValueOrDefault(LabelKeys.Cell) is not { } cell
            || !shard.Spec.Pools.TryGetValue(pool, out var spec) || PoolScaleDecisions.PodIndex(pod.Metadata.Name!) is not { } index)
            return false;
        return PoolPodSpecHash.NeedsUpdate(pod, PoolPodBuilder.BuildPoolPod(shard, pool, cell, spec, index, _currentInputs ?? new PoolPodInputs { OperatorEnvironment = environment }));
    }
}
