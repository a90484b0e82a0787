using MultigresOrleans.Etcd;
using MultigresOrleans.Grains.DataPlane;
using MultigresOrleans.Grains.DataPlane.Admin;
using MultigresOrleans.Grains.DataPlane.ManagerData;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Grains.Builders.Shards;
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
    private sealed record DataPlaneOutcome(
        IReadOnlyDictionary<string, string>? PodRoles, TimeSpan? RequeueAfter, IReadOnlyList<CellPoolers> Cells, ShardBackupStatus? Backup = null);

    /// <summary>How long a requested switchover is given to show in the topology before it is asked for again.</summary>
    private static readonly TimeSpan SwitchoverRetry = TimeSpan.FromSeconds(30);

    /// <summary>Pods whose planned switchover was asked for, and when (activation memory: a new activation may ask once more).</summary>
    private readonly Dictionary<string, DateTimeOffset> _switchoverRequested = new(StringComparer.Ordinal);

    // When each pooler record was first seen without a pod (contracts §8.13). In memory on purpose: after the
    // grain moves the clock starts again, which only delays a mark.
    private IReadOnlyDictionary<string, DateTimeOffset> _poolerAbsentSince = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);

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
            RequeueWithin(await MarkDeadPoolersAsync(shard, cells, podNames, now).ConfigureAwait(false));

        if (!pendingDeletion)
        {
            var quarantined = pods
                .Select(p => (Pod: p, Record: ShardDataPlaneDecisions.MatchingRecord(p.Metadata.Name!, cells)))
                .Where(x => x.Record is not null && ShardDataPlaneDecisions.RoleOf(x.Record.Pooler) == ShardDataPlaneDecisions.RoleQuarantined)
                .ToDictionary(x => x.Pod.Metadata.Name!, x => x.Record!.Pooler.LifecycleStatus?.Reason ?? "", StringComparer.Ordinal);
            var backupHealthy = ConditionSet.IsTrue(shard.Status?.Conditions, ConditionTypes.BackupHealthy);
            var plan = ShardDataPlaneDecisions.PlanQuarantine(pods, quarantined, roles, backupHealthy, now, options.QuarantineMinimumAge);
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
        var backup = await CheckBackupHealthAsync(shard, cells, now).ConfigureAwait(false);
        RequeueWithin(await ReloadInPlaceAsync(shard, pods, cells).ConfigureAwait(false));
        return new DataPlaneOutcome(roles, requeue, cells, backup);
    }

    /// <summary>Per-call options: TLS with the internal name when the cluster runs internal mTLS (spec §9.4), else h2c.</summary>
    private static MultipoolerCallOptions CallOptions(Shard shard, string component) => new()
    {
        TlsServerName = shard.Spec.InternalTls?.Enabled == true
            ? Naming.ResourceNames.InternalTlsName(component, PoolPodMetadata.ClusterName(shard), shard.Metadata.Namespace!)
            : null,
    };

    /// <summary>
    /// Backup health (spec §8.3, contracts §5.1): ask the primary for its backups and judge the newest. No primary (or
    /// no readable cell) leaves the status as it is; an RPC failure is a <c>BackupCheckFailed</c> warning.
    /// </summary>
    private async Task<ShardBackupStatus?> CheckBackupHealthAsync(Shard shard, IReadOnlyList<CellPoolers> cells, DateTimeOffset now)
    {
        var primary = cells.SelectMany(c => c.Records ?? [])
            .FirstOrDefault(r => ShardDataPlaneDecisions.RoleOf(r.Pooler) == ShardDataPlaneDecisions.RolePrimary);
        if (primary is null)
            return null;
        GetBackupsResponse response;
        try
        {
            response = await dataPlane.GetBackupsAsync(primary.Pooler, BackupHealth.Request(), CallOptions(shard, "multipooler")).ConfigureAwait(false);
        }
        catch (MultipoolerRpcException exception)
        {
            var failed = BackupHealth.CheckFailedEvent(
                $"querying backups from primary {Topology.TopologyPaths.ComponentIdString(primary.Pooler.Id)}: {exception.Message}");
            await events.RecordAsync(shard, failed.Type, failed.Reason, failed.Message).ConfigureAwait(false);
            return null;
        }

        var result = BackupHealth.Evaluate([.. response.Backups], now);
        var previous = shard.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.BackupHealthy)?.Status;
        if (result.TransitionEvent(previous) is { } transition)
            await events.RecordAsync(shard, transition.Type, transition.Reason, transition.Message).ConfigureAwait(false);
        return new ShardBackupStatus(result.LastBackupTime, result.LastBackupKind, result.ToCondition(now, shard.Metadata.Generation));
    }

    /// <summary>
    /// In-place reload (spec §6.11, contracts §5.5): each pool pod whose reload-hash is behind, and whose restart-hash is
    /// current, gets <c>ReloadConfig</c> with the reload-safe settings and the marker; only a confirmed reload stamps the
    /// pod's reload-hash annotation. Returns the retry delay while any pod is pending.
    /// </summary>
    private async Task<TimeSpan?> ReloadInPlaceAsync(Shard shard, IReadOnlyList<Pod> pods, IReadOnlyList<CellPoolers> cells)
    {
        if (_currentRender is not { } render || string.IsNullOrEmpty(render.ReloadHash))
            return null;
        TimeSpan? retry = null;
        foreach (var pod in pods)
        {
            var annotations = pod.Metadata.Annotations;
            if (pod.Metadata.Labels?.GetValueOrDefault(LabelKeys.AppComponent) != Components.ShardPool
                || pod.Metadata.DeletionTimestamp is not null
                || DrainStates.FromAnnotations(annotations) is not null
                || annotations?.GetValueOrDefault(AnnotationKeys.PostgresReloadHash) == render.ReloadHash
                || annotations?.GetValueOrDefault(AnnotationKeys.PostgresConfigHash) != render.RestartHash)
                continue;

            var record = ShardDataPlaneDecisions.MatchingRecord(pod.Metadata.Name!, cells);
            if (record is null || Topology.TopologyRecords.IsShutdown(record.Pooler))
            {
                retry = ReloadDecision.RetryDelay;
                continue;
            }

            ReloadOutcome outcome;
            try
            {
                var response = await dataPlane.ReloadConfigAsync(record.Pooler, ReloadDecision.Request(render.ReloadSettings), CallOptions(shard, "multipooler"))
                    .ConfigureAwait(false);
                outcome = ReloadDecision.Classify(render.ReloadSettings, response);
            }
            catch (MultipoolerRpcException exception)
            {
                Log.ReloadFailed(logger, pod.Metadata.Name!, exception.Message);
                retry = ReloadDecision.RetryDelay;
                continue;
            }

            if (outcome.StampPod)
            {
                await Resources.Pods.PatchAsync(pod.Metadata.Name!, pod.Metadata.Namespace, PatchType.Merge, new System.Text.Json.Nodes.JsonObject
                {
                    ["metadata"] = new System.Text.Json.Nodes.JsonObject
                    {
                        ["annotations"] = new System.Text.Json.Nodes.JsonObject { [AnnotationKeys.PostgresReloadHash] = render.ReloadHash },
                    },
                }).ConfigureAwait(false);
            }

            if (ReloadDecision.EventFor(pod.Metadata.Name!, outcome) is { } reloadEvent)
                await events.RecordAsync(shard, reloadEvent.Type, reloadEvent.Reason, reloadEvent.Message).ConfigureAwait(false);
            if (outcome.RetryAfter is { } after)
                retry = after;
        }

        return retry;
    }

    /// <summary>
    /// A primary that is being drained is asked to step down with a planned switchover through multiadmin (contracts
    /// §3.4 SwitchPrimary), which the reference never does (§8.17). If multiadmin cannot do it, the pod is shut down
    /// gracefully instead — the reference's behaviour: the pooler gives up the role as it stops and multiorch promotes.
    /// </summary>
    private async Task ResignPrimaryAsync(Shard shard, Pod pod)
    {
        var name = pod.Metadata.Name!;
        var now = time.GetUtcNow();
        if (_switchoverRequested.TryGetValue(name, out var asked) && now - asked < SwitchoverRetry)
            return;
        _switchoverRequested[name] = now;
        var ns = shard.Metadata.Namespace!;
        var cluster = PoolPodMetadata.ClusterName(shard);
        var multiadmin = new MultipoolerTarget($"{cluster}-multiadmin.{ns}.svc", MultiadminGrpcPort, $"{cluster}-multiadmin");
        var request = new SwitchPrimaryRequest
        {
            ShardKey = new Topology.ClusterMetadata.ShardKey
            {
                Database = shard.Spec.DatabaseName,
                TableGroup = shard.Spec.TableGroupName,
                Shard = shard.Spec.ShardName,
            },
            Reason = $"multigres-operator: draining pod {name}",
        };
        try
        {
            await dataPlane.SwitchPrimaryAsync(multiadmin, request, CallOptions(shard, "multiadmin")).ConfigureAwait(false);
            await events.RecordAsync(shard, EventRecorder.Normal, "PrimarySwitchover",
                $"Requested a planned switchover away from primary pod {name}").ConfigureAwait(false);
        }
        catch (MultipoolerRpcException exception)
        {
            await events.RecordAsync(shard, EventRecorder.Warning, "PrimarySwitchoverFailed",
                $"Planned switchover away from pod {name} failed ({exception.Message}); shutting the pod down gracefully instead").ConfigureAwait(false);
            await DeleteIgnoringNotFoundAsync(Resources.Pods, name, ns).ConfigureAwait(false);
        }
    }

    /// <summary>The multiadmin gRPC port (spec §6.1.2).</summary>
    private const int MultiadminGrpcPort = 18070;

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

    /// <summary>
    /// Dead-pooler marking (§5.3): records no shard pod backs (terminating pods count) become LIFECYCLE_SHUTDOWN once
    /// they have had no pod for <see cref="OperatorOptions.DeadPoolerGrace"/> (contracts §8.13). Returns when to look
    /// again for records still within the grace period.
    /// </summary>
    private async Task<TimeSpan?> MarkDeadPoolersAsync(Shard shard, IReadOnlyList<CellPoolers> cells, IReadOnlyCollection<string> podNames, DateTimeOffset now)
    {
        // Each candidate with its cell, keyed by cell and record key (two cells' topologies may use the same paths).
        // A record in a cell that could not be read this pass drops out and starts its clock again: that only delays a mark.
        var cellOf = cells.Where(c => c.Observed)
            .SelectMany(c => TopologyRecords.FindDeadPoolers(c.Records!, podNames).Select(r => (Record: r with { Key = $"{c.Cell}:{r.Key}" }, c.Cell)))
            .ToDictionary(x => x.Record.Key, StringComparer.Ordinal);
        var decision = TopologyRecords.DueForShutdownMark([.. cellOf.Values.Select(x => x.Record)], _poolerAbsentSince, now, options.DeadPoolerGrace);
        _poolerAbsentSince = decision.AbsentSince;

        var store = ShardTopology(shard);
        var marked = 0;
        foreach (var dead in decision.ToMark)
        {
            try
            {
                if (await store.MarkPoolerShutdownAsync(cellOf[dead.Key].Cell, dead.Pooler.Id).ConfigureAwait(false) == ShutdownMarkOutcome.Marked)
                    marked++;
            }
            catch (Exception exception) when (exception is EtcdException or TopologyException)
            {
                Log.MarkFailed(logger, dead.Key, exception.Message);
            }
        }

        if (marked > 0)
            await events.RecordAsync(shard, EventRecorder.Normal, "DeadPoolersMarked", $"Marked {marked} dead pooler(s) LIFECYCLE_SHUTDOWN in topology").ConfigureAwait(false);
        return decision.NextDue;
    }

    /// <summary>
    /// One drain step for every pod that carries a drain state (ready-for-deletion excepted: the pool pass deletes
    /// those). Returns the soonest requeue the steps ask for. A primary asked to resign gets a planned switchover
    /// (<see cref="ResignPrimaryAsync"/>, docs/drain.md).
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
                _drifted.Contains(pod.Metadata.Name!),
                ResizePending(shard, pod),
                pendingDeletion);
            var result = await GrainFactory.GetGrain<IPodGrain>(GrainKeys.Of(ns, pod.Metadata.Name!)).Advance(facts).ConfigureAwait(false);
            if (result.ResignPrimaryRequested && pod.Metadata.DeletionTimestamp is null)
                await ResignPrimaryAsync(shard, pod).ConfigureAwait(false);

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

    /// <summary>
    /// The pool pods (not being deleted) whose spec-hash differs from the desired pod's (spec §6.6.5), computed once per
    /// pass: the pool pass, the planner's shard-wide "replicas first" check and the drain facts all read it.
    /// </summary>
    private static HashSet<string> DriftedPods(Shard shard, IEnumerable<Pod> pods, PoolPodInputs inputs)
    {
        var drifted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is null))
        {
            var labels = pod.Metadata.Labels;
            if (labels?.GetValueOrDefault(LabelKeys.Pool) is { } pool && labels.GetValueOrDefault(LabelKeys.Cell) is { } cell
                && shard.Spec.Pools.TryGetValue(pool, out var spec) && PoolScaleDecisions.PodIndex(pod.Metadata.Name!) is { } index
                && PoolPodSpecHash.NeedsUpdate(pod, PoolPodBuilder.BuildPoolPod(shard, pool, cell, spec, index, inputs)))
                drifted.Add(pod.Metadata.Name!);
        }

        return drifted;
    }
}
