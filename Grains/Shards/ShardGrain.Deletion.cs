using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Grains.Shards;

// Spec §6.8.2 (pending deletion: every pod drained through the state machine, then ReadyForDeletion) and
// §6.8.3 (deletion with the shard-pvc-orphan finalizer: pods and Deployments first, then the keep-3
// orphaning of whenDeleted: Delete PVCs, then the finalizer goes).
public sealed partial class ShardGrain
{
    private static readonly TimeSpan PodsGoingRequeue = TimeSpan.FromSeconds(2);

    private async Task<ReconcileResult> PendingDeletionAsync(Shard shard, DateTimeOffset now)
    {
        // Every pod drains at once (§6.8.2): the whole shard is going, so the one-at-a-time rule does not apply, and the
        // drain skips its primary waits (DrainStateMachine). Ready-for-deletion pods are deleted; their PVCs stay for
        // the finalizer's pass.
        var pods = PodsOf(shard);
        var ns = shard.Metadata.Namespace!;
        _drifted = []; // drift does not matter once every pod is going
        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is null && Drain.DrainStates.FromAnnotations(p.Metadata.Annotations) is null))
        {
            await StartDrainAsync(ns, pod.Metadata.Name!, "pending-deletion", Drain.DrainEventReasons.DrainStarted,
                $"Initiated drain for pod {pod.Metadata.Name} (shard pending deletion)").ConfigureAwait(false);
        }

        if (pods.Count > 0)
        {
            var cells = await ReadPoolersAsync(shard).ConfigureAwait(false);
            var current = PodsOf(shard);
            await AdvanceDrainsAsync(shard, current, cells, pendingDeletion: true).ConfigureAwait(false);
            foreach (var pod in current.Where(p => p.Metadata.DeletionTimestamp is null
                         && Drain.DrainStates.FromAnnotations(p.Metadata.Annotations) == Drain.DrainState.ReadyForDeletion))
                await DeleteIgnoringNotFoundAsync(Resources.Pods, pod.Metadata.Name!, ns).ConfigureAwait(false);
            return ReconcileResult.After(PodsGoingRequeue);
        }

        if (ConditionSet.IsTrue(shard.Status?.Conditions, ConditionTypes.ReadyForDeletion))
            return ReconcileResult.Done;
        var condition = ConditionSet.Make(ConditionTypes.ReadyForDeletion, true, "DrainComplete", "All pods drained; shard is ready for deletion", shard.Metadata.Generation ?? 0, now);
        var status = (shard.Status ?? new ShardStatus { OrchReady = false, PoolsReady = false }) with { Conditions = ConditionSet.Set(shard.Status?.Conditions, condition) };
        await StatusWriter.ApplyAsync(Resources.Shards, shard, status, MultigresJsonContext.Default.ShardStatus, options.FieldManager).ConfigureAwait(false);
        await events.RecordAsync(shard, EventRecorder.Normal, "ReadyForDeletion", "All pods drained; shard is ready for deletion").ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> HandleDeletionAsync(Shard shard)
    {
        if (!(shard.Metadata.Finalizers ?? []).Contains(Finalizers.ShardPvcOrphan))
            return ReconcileResult.Done;
        var ns = shard.Metadata.Namespace!;
        foreach (var deployment in observed.Deployments.Cache.List().Where(d => d.Metadata.Namespace == ns
                     && d.Metadata.OwnerReferences?.Any(o => o.Uid == shard.Metadata.Uid) == true && d.Metadata.DeletionTimestamp is null))
            await DeleteIgnoringNotFoundAsync(Resources.Deployments, deployment.Metadata.Name!, ns).ConfigureAwait(false);
        var pods = PodsOf(shard);
        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is null))
            await DeleteIgnoringNotFoundAsync(Resources.Pods, pod.Metadata.Name!, ns).ConfigureAwait(false);
        if (pods.Count > 0)
            return ReconcileResult.After(PodsGoingRequeue); // PVCs are not touched while a pod may still use them

        await CleanupShardPvcsAsync(shard).ConfigureAwait(false);

        var remaining = (shard.Metadata.Finalizers ?? []).Where(f => f != Finalizers.ShardPvcOrphan).Select(f => (JsonNode)f!).ToArray();
        await Resources.Shards.PatchAsync(shard.Metadata.Name!, ns, PatchType.Merge, new JsonObject
        {
            ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray(remaining), ["resourceVersion"] = shard.Metadata.ResourceVersion },
        }).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>§6.8.3 cleanupShardPVCs: delete or orphan the <c>whenDeleted: Delete</c> PVCs before the finalizer goes (see <see cref="ShardDeletionPvcPlan"/>).</summary>
    private async Task CleanupShardPvcsAsync(Shard shard)
    {
        var ns = shard.Metadata.Namespace!;
        var labels = shard.Metadata.Labels ?? new Dictionary<string, string>();
        var pvcs = observed.Pvcs.Cache.ByIndex(Kubernetes.Informers.Indexers.LabelIndexName(LabelKeys.Shard), shard.Spec.ShardName)
            .Where(p => p.Metadata.Namespace == ns && p.Metadata.DeletionTimestamp is null
                && p.Metadata.Labels?.GetValueOrDefault(LabelKeys.Database) == shard.Spec.DatabaseName
                && p.Metadata.Labels?.GetValueOrDefault(LabelKeys.TableGroup) == shard.Spec.TableGroupName
                && p.Metadata.Labels?.GetValueOrDefault(LabelKeys.Cluster) == labels.GetValueOrDefault(LabelKeys.Cluster))
            .ToList();
        var now = time.GetUtcNow();
        foreach (var step in ShardDeletionPvcPlan.Plan(shard, pvcs))
        {
            if (!step.Orphan)
            {
                await DeleteIgnoringNotFoundAsync(Resources.Pvcs, step.PvcName, ns).ConfigureAwait(false);
                continue;
            }

            var pvc = pvcs.First(p => p.Metadata.Name == step.PvcName);
            var since = pvc.Metadata.Labels?.GetValueOrDefault(LabelKeys.OrphanSince) is { Length: > 0 } existing
                ? existing
                : Builders.PoolPods.OrphanPvcDecisions.FormatOrphanSince(now);
            var owners = (pvc.Metadata.OwnerReferences ?? []).Where(o => o.Uid != shard.Metadata.Uid);
            await Resources.Pvcs.PatchAsync(step.PvcName, ns, PatchType.Merge, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["labels"] = new JsonObject { [LabelKeys.OrphanSince] = since },
                    ["ownerReferences"] = OwnerReferencesJson(owners),
                },
            }).ConfigureAwait(false);
        }
    }

    private static async Task DeleteIgnoringNotFoundAsync<T>(ResourceClient<T> resource, string name, string? ns) where T : class
    {
        try
        {
            await resource.DeleteAsync(name, ns).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
        }
    }
}
