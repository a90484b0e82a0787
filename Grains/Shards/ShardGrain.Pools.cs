using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Grains.Drain;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Shards;

// Spec §6.6.4 (reconcilePoolPods) for one pool in one cell, in the reference's phase order:
//   1. create every missing PVC and pod in one pass; grow PVCs; re-adopt orphaned PVCs; replace a terminated pod;
//      start a drain on a pod someone else is deleting;
//   2. delete ready-for-deletion pods, applying the PVC policy (keep / orphan / delete, keep-3 rule of §6.7);
//   3. start at most one new drain, chosen by DrainPlanner: scale-down first (highest index, non-primary and
//      non-ready preferred), then drifted replicas, the primary last — gated on the rest of the shard being healthy.
// The drains themselves advance in the data-plane pass (ShardGrain.DataPlane.cs) through the pod grains.
public sealed partial class ShardGrain
{
    /// <summary>What one pool+cell pass did: whether it acted (a write that changes the pods) and how many pods drift.</summary>
    private sealed record PoolCellOutcome(bool Acted, int Drifted);

    private async Task<PoolCellOutcome> ReconcilePoolCellAsync(
        Shard shard, string poolName, string cell, PoolSpec pool, IReadOnlyList<Pod> shardPods, PoolPodInputs inputs, DateTimeOffset now)
    {
        var ns = shard.Metadata.Namespace!;
        var service = PoolHeadlessServiceBuilder.Build(shard, poolName, cell);
        await ApplyAsync(shard, Resources.Services, service, observed.Services.Cache.Get(ns, service.Metadata.Name!)).ConfigureAwait(false);
        var pdb = PoolPdbBuilder.Build(shard, poolName, cell);
        await ApplyAsync(shard, Resources.Pdbs, pdb, observed.Pdbs.Cache.Get(ns, pdb.Metadata.Name!)).ConfigureAwait(false);

        var baseName = PoolPodMetadata.PodBaseName(shard, poolName, cell);
        var pods = shardPods.Where(p => p.Metadata.Name!.StartsWith(baseName + "-", StringComparison.Ordinal)).ToList();
        var pvcs = PoolCellPvcs(shard, baseName);
        var userDesired = PoolScaleDecisions.DesiredReplicas(pool);
        var desired = PoolScaleDecisions.EffectiveReplicas(userDesired, pods, shard.Status?.PodRoles);

        // Phase 1.
        var plan = PoolScaleDecisions.PlanCreate(baseName, desired, PoolDataPvcBuilder.DesiredSize(pool), pods, pvcs);
        foreach (var pvcName in plan.PvcsToClearOrphanLabel)
            await ReadoptPvcAsync(shard, poolName, cell, pool, pvcName).ConfigureAwait(false);
        foreach (var expansion in plan.PvcsToExpand)
        {
            await Resources.Pvcs.PatchAsync(expansion.PvcName, ns, PatchType.Merge, new JsonObject
            {
                ["spec"] = new JsonObject { ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = expansion.To.ToString() } } },
            }).ConfigureAwait(false);
            await events.RecordAsync(shard, EventRecorder.Normal, "PVCExpanded", $"Expanded PVC {expansion.PvcName} from {expansion.From} to {expansion.To}").ConfigureAwait(false);
        }

        foreach (var index in plan.MissingPvcIndexes)
            await Resources.Pvcs.CreateAsync(PoolDataPvcBuilder.Build(shard, poolName, cell, pool, index)).ConfigureAwait(false);
        foreach (var index in plan.MissingPodIndexes)
        {
            var pod = PoolPodBuilder.BuildPoolPod(shard, poolName, cell, pool, index, inputs);
            await Resources.Pods.CreateAsync(pod).ConfigureAwait(false);
            await events.RecordAsync(shard, EventRecorder.Normal, "PodCreated", $"Created pod {pod.Metadata.Name} for pool {poolName}").ConfigureAwait(false);
        }

        // A Failed/Succeeded pod never restarts by itself: delete it and the next pass recreates it.
        if (plan.TerminatedPodToDelete is { } terminated)
            await DeleteIgnoringNotFoundAsync(Resources.Pods, terminated, ns).ConfigureAwait(false);

        var acted = plan.ActionTaken;
        if (plan.ExternallyDeletedPodToDrain is { } external)
            await StartExternalDeletionDrainAsync(ns, external).ConfigureAwait(false);

        // A grown PVC whose filesystem waits for a restart (§16.26): drain the pod so its replacement mounts the larger volume.
        if (!acted && pods.FirstOrDefault(p => p.Metadata.DeletionTimestamp is null && DrainStates.FromAnnotations(p.Metadata.Annotations) is null
                && pvcs.Any(c => c.Metadata.Name == "data-" + p.Metadata.Name && FilesystemResizePending(c))) is { } resizing)
        {
            await StartDrainAsync(ns, resizing.Metadata.Name!, "filesystem-resize", "FilesystemResize",
                $"Draining pod {resizing.Metadata.Name} to expand filesystem on PVC data-{resizing.Metadata.Name}").ConfigureAwait(false);
            acted = true;
        }

        // Phase 2: ready-for-deletion pods go, with their PVC policy; an extra pod someone else deletes is drained first.
        var scaleDown = PoolScaleDecisions.PlanScaleDown(pods, desired, shard.Status?.PodRoles, acted);
        if (scaleDown.ExternallyDeletedPodToDrain is { } externalExtra && externalExtra != plan.ExternallyDeletedPodToDrain)
            await StartExternalDeletionDrainAsync(ns, externalExtra).ConfigureAwait(false);
        foreach (var podName in scaleDown.PodsToDelete)
        {
            var pod = pods.First(p => p.Metadata.Name == podName);
            var decision = OrphanPvcDecisions.DecideForRetiredPod(shard, poolName, pool, pod, pvcs, now);
            await ApplyPvcDecisionAsync(shard, decision).ConfigureAwait(false);
            if (pod.Metadata.DeletionTimestamp is null)
                await DeleteIgnoringNotFoundAsync(Resources.Pods, podName, ns).ConfigureAwait(false);
            await events.RecordAsync(shard, EventRecorder.Normal, DrainEventReasons.DrainCompleted, $"Completed drain for pod {podName}").ConfigureAwait(false);
        }

        // PlanScaleDown's own choice of a new drain is not used (DrainPlanner below decides, with the shard in view),
        // so only its deletions and external-deletion drains count as this pass's action.
        acted |= scaleDown.PodsToDelete.Count > 0 || scaleDown.ExternallyDeletedPodToDrain is not null;

        // Phase 3: at most one new drain per pool+cell, chosen with the whole shard's health in view.
        var drifted = pods
            .Where(p => _drifted.Contains(p.Metadata.Name!) && PoolScaleDecisions.PodIndex(p.Metadata.Name!) is { } index && index < desired)
            .Select(p => p.Metadata.Name!)
            .ToHashSet(StringComparer.Ordinal);

        if (!acted)
        {
            var roles = shard.Status?.PodRoles;
            var input = new PoolDrainInput(
                [.. pods.Select(p => new PoolPod(
                    p.Metadata.Name!,
                    PoolScaleDecisions.PodIndex(p.Metadata.Name!),
                    roles?.GetValueOrDefault(p.Metadata.Name!) == ShardDataPlaneDecisions.RolePrimary,
                    PoolScaleDecisions.IsReady(p),
                    drifted.Contains(p.Metadata.Name!),
                    DrainStates.FromAnnotations(p.Metadata.Annotations),
                    p.Metadata.DeletionTimestamp is not null,
                    roles?.GetValueOrDefault(p.Metadata.Name!) == ShardDataPlaneDecisions.RoleQuarantined))],
                desired,
                RestOfShardHealthy(shardPods, pods),
                DriftedReplicasElsewhere(shard, shardPods, pods));
            var drainPlan = DrainPlanner.Plan(input);
            if (drainPlan.PodToDrain is { } target && drainPlan.Event is { } startEvent)
            {
                await StartDrainAsync(ns, target, drainPlan.Trigger.ToString(), startEvent.Reason, startEvent.Message).ConfigureAwait(false);
                acted = true;
            }
            else if (drainPlan.Event is { } blocked)
            {
                await events.RecordAsync(shard, blocked.Type, blocked.Reason, blocked.Message).ConfigureAwait(false);
            }
        }

        return new PoolCellOutcome(acted, drifted.Count);
    }

    /// <summary>
    /// Upstream multigres-operator#620: every pool pod outside this pool+cell is Ready and none is draining or being
    /// deleted, so a drain here never overlaps with unavailability elsewhere in the shard.
    /// </summary>
    private static bool RestOfShardHealthy(IReadOnlyList<Pod> shardPods, IReadOnlyList<Pod> poolCellPods)
    {
        var own = poolCellPods.Select(p => p.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        return shardPods
            .Where(p => !own.Contains(p.Metadata.Name) && p.Metadata.Labels?.GetValueOrDefault(LabelKeys.AppComponent) == Components.ShardPool)
            .All(p => p.Metadata.DeletionTimestamp is null && DrainStates.FromAnnotations(p.Metadata.Annotations) is null && PoolScaleDecisions.IsReady(p));
    }

    /// <summary>A replica outside this pool+cell still runs an old spec: the shard's primary is replaced only after it.</summary>
    private bool DriftedReplicasElsewhere(Shard shard, IReadOnlyList<Pod> shardPods, IReadOnlyList<Pod> poolCellPods)
    {
        var own = poolCellPods.Select(p => p.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var roles = shard.Status?.PodRoles;
        return shardPods.Any(p => !own.Contains(p.Metadata.Name) && p.Metadata.DeletionTimestamp is null
            && p.Metadata.Labels?.GetValueOrDefault(LabelKeys.AppComponent) == Components.ShardPool
            && roles?.GetValueOrDefault(p.Metadata.Name!) != ShardDataPlaneDecisions.RolePrimary
            && WithinDesiredReplicas(shard, p) && _drifted.Contains(p.Metadata.Name!));
    }

    private Task<DrainStepResult> StartExternalDeletionDrainAsync(string ns, string pod) =>
        StartDrainAsync(ns, pod, "external-deletion", "ExternalDeletion", $"Initiating drain for externally-deleted pod {pod}");

    /// <summary>The PVC reports <c>FileSystemResizePending=True</c>: the volume grew, the filesystem grows on the next mount.</summary>
    internal static bool FilesystemResizePending(PersistentVolumeClaim pvc) =>
        pvc.Status?.ExtensionData is { } extra && extra.TryGetValue("conditions", out var conditions)
        && conditions.ValueKind == System.Text.Json.JsonValueKind.Array
        && conditions.EnumerateArray().Any(c =>
            c.TryGetProperty("type", out var type) && type.GetString() == "FileSystemResizePending"
            && c.TryGetProperty("status", out var status) && status.GetString() == "True");

    private Task<DrainStepResult> StartDrainAsync(string ns, string pod, string trigger, string reason, string message) =>
        GrainFactory.GetGrain<IPodGrain>(GrainKeys.Of(ns, pod)).Initiate(new DrainStartRequest(trigger, reason, message));

    private List<PersistentVolumeClaim> PoolCellPvcs(Shard shard, string baseName) =>
        [.. observed.Pvcs.Cache.ByIndex(Kubernetes.Informers.Indexers.LabelIndexName(LabelKeys.Shard), shard.Spec.ShardName)
            .Where(p => p.Metadata.Namespace == shard.Metadata.Namespace && p.Metadata.Name!.StartsWith("data-" + baseName + "-", StringComparison.Ordinal))];

    /// <summary>A scale-up reuses an orphaned PVC: drop the orphan label and give it back its Shard owner reference (policy permitting).</summary>
    private async Task ReadoptPvcAsync(Shard shard, string poolName, string cell, PoolSpec pool, string pvcName)
    {
        var index = PoolScaleDecisions.PodIndex(pvcName) ?? 0;
        var owners = PoolDataPvcBuilder.Build(shard, poolName, cell, pool, index).Metadata.OwnerReferences ?? [];
        var live = observed.Pvcs.Cache.Get(shard.Metadata.Namespace, pvcName);
        var merged = (live?.Metadata.OwnerReferences ?? []).Where(o => owners.All(d => d.Uid != o.Uid)).Concat(owners).ToList();
        await Resources.Pvcs.PatchAsync(pvcName, shard.Metadata.Namespace, PatchType.Merge, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["labels"] = new JsonObject { [LabelKeys.OrphanSince] = null },
                ["ownerReferences"] = OwnerReferencesJson(merged),
            },
        }).ConfigureAwait(false);
    }

    private async Task ApplyPvcDecisionAsync(Shard shard, PvcCleanupDecision decision)
    {
        var ns = shard.Metadata.Namespace;
        switch (decision.Kind)
        {
            case PvcCleanupKind.Delete:
                await DeleteIgnoringNotFoundAsync(Resources.Pvcs, decision.PvcName!, ns).ConfigureAwait(false);
                break;
            case PvcCleanupKind.MarkOrphan:
                await Resources.Pvcs.PatchAsync(decision.PvcName!, ns, PatchType.Merge, new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["labels"] = new JsonObject { [LabelKeys.OrphanSince] = decision.OrphanSince },
                        ["ownerReferences"] = OwnerReferencesJson(decision.OwnerReferences ?? []),
                    },
                }).ConfigureAwait(false);
                break;
        }
    }

    private static JsonArray OwnerReferencesJson(IEnumerable<OwnerReference> owners) =>
        new([.. owners.Select(o => System.Text.Json.JsonSerializer.SerializeToNode(o, KubernetesJsonContext.Default.OwnerReference))]);
}
