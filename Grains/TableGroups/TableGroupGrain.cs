using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Builders.TableGroups;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.TableGroups;

/// <summary>
/// The TableGroup controller (spec §6.2, §11.3): its fixed pipeline — pending deletion, list the
/// child Shards once, apply the desired ones (not over a same-named child still leaving), retire the
/// rest through PendingDeletion, then status from the children that observed what was applied.
/// </summary>
public sealed class TableGroupGrain(
    ObservedState observed, Applier applier, EventRecorder events, OperatorOptions options, TimeProvider time)
    : Grain, ITableGroupGrain
{
    public async Task<ReconcileResult> Reconcile()
    {
        var (ns, name) = GrainKeys.Parse(GetPrimaryKeyString());
        var group = observed.TableGroups.Cache.Get(ns, name);
        if (group is null)
            return ReconcileResult.Done;
        var now = time.GetUtcNow();
        var shards = ChildShards(group);
        if (PendingDeletionProtocol.IsMarked(group.Metadata))
            return await PendingDeletionAsync(group, shards, now).ConfigureAwait(false);
        if (group.Metadata.DeletionTimestamp is not null)
            return ReconcileResult.Done;

        var plan = PendingDeletionProtocol.PlanShards(group, shards);
        var generations = new Dictionary<string, long>(StringComparer.Ordinal);
        var wrote = false;
        foreach (var desired in plan.ToApply)
        {
            var (outcome, stored) = await applier.ApplyForResultAsync(observed.Resources.Shards, desired, observed.Shards.Cache.Get(ns, desired.Metadata.Name!))
                .ConfigureAwait(false);
            generations[desired.Metadata.Name!] = stored.Metadata.Generation ?? 0;
            if (outcome == ApplyOutcome.Applied)
            {
                wrote = true;
                await events.RecordAsync(group, EventRecorder.Normal, "Applied", $"Applied Shard {desired.Metadata.Name}").ConfigureAwait(false);
            }
        }

        foreach (var decision in plan.Retire)
        {
            switch (decision.Action)
            {
                case RetireAction.AnnotatePendingDeletion:
                    await MarkAsync(ns, decision.Name, now).ConfigureAwait(false);
                    break;
                case RetireAction.Delete:
                    try
                    {
                        await observed.Resources.Shards.DeleteAsync(decision.Name, ns).ConfigureAwait(false);
                    }
                    catch (NotFoundException)
                    {
                    }

                    break;
            }

            if (decision.EventReason is { } reason)
                await events.RecordAsync(group, EventRecorder.Normal, reason, decision.EventMessage!).ConfigureAwait(false);
        }

        var status = TableGroupStatusBuilder.Compute(group, shards, generations, plan.Pending, now);
        await StatusWriter.ApplyAsync(observed.Resources.TableGroups, group, status, MultigresJsonContext.Default.TableGroupStatus, options.FieldManager)
            .ConfigureAwait(false);
        if (PhaseHelpers.PhaseChanged(group.Status?.Phase, status.Phase ?? Phase.Progressing))
            await events.RecordAsync(group, EventRecorder.Normal, "PhaseChange", PhaseHelpers.PhaseChangeMessage(group.Status?.Phase, status.Phase ?? Phase.Progressing)).ConfigureAwait(false);
        if (wrote && !plan.Pending)
            await events.RecordAsync(group, EventRecorder.Normal, "Synced", "Successfully reconciled TableGroup").ConfigureAwait(false);
        return plan.Pending ? ReconcileResult.After(PendingDeletionProtocol.PendingRequeue) : ReconcileResult.Done;
    }

    private List<Shard> ChildShards(TableGroup group)
    {
        var labels = group.Metadata.Labels ?? [];
        var cluster = labels.GetValueOrDefault(LabelKeys.Cluster);
        return [.. observed.Shards.Cache.List().Where(s => s.Metadata.Namespace == group.Metadata.Namespace
            && s.Metadata.Labels is { } l
            && l.GetValueOrDefault(LabelKeys.Cluster) == cluster
            && l.GetValueOrDefault(LabelKeys.Database) == group.Spec.DatabaseName
            && l.GetValueOrDefault(LabelKeys.TableGroup) == group.Spec.TableGroupName)];
    }

    /// <summary>§6.2 step 2: mark every child, wait until all are ReadyForDeletion, then say so.</summary>
    private async Task<ReconcileResult> PendingDeletionAsync(TableGroup group, List<Shard> shards, DateTimeOffset now)
    {
        var ns = group.Metadata.Namespace!;
        var allReady = true;
        foreach (var shard in shards)
        {
            if (!PendingDeletionProtocol.IsMarked(shard.Metadata) && shard.Metadata.DeletionTimestamp is null)
            {
                await MarkAsync(ns, shard.Metadata.Name!, now).ConfigureAwait(false);
                await events.RecordAsync(group, EventRecorder.Normal, "PendingDeletion", $"Marked Shard {shard.Metadata.Name} for graceful deletion (parent pending)").ConfigureAwait(false);
            }

            allReady &= shard.Metadata.DeletionTimestamp is null && ConditionSet.IsTrue(shard.Status?.Conditions, ConditionTypes.ReadyForDeletion);
        }

        if (!allReady)
            return ReconcileResult.After(PendingDeletionProtocol.PendingRequeue);
        if (ConditionSet.IsTrue(group.Status?.Conditions, ConditionTypes.ReadyForDeletion))
            return ReconcileResult.Done;
        var status = (group.Status ?? new TableGroupStatus { ReadyShards = 0, TotalShards = 0 }) with { Conditions = TableGroupStatusBuilder.ReadyForDeletion(group, now) };
        await StatusWriter.ApplyAsync(observed.Resources.TableGroups, group, status, MultigresJsonContext.Default.TableGroupStatus, options.FieldManager).ConfigureAwait(false);
        await events.RecordAsync(group, EventRecorder.Normal, "ReadyForDeletion", $"TableGroup {group.Metadata.Name} marked ready for deletion").ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private Task MarkAsync(string ns, string shard, DateTimeOffset now) =>
        observed.Resources.Shards.PatchAsync(shard, ns, PatchType.Merge, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["annotations"] = new JsonObject { [AnnotationKeys.PendingDeletion] = PendingDeletionProtocol.AnnotationValue(now) },
            },
        });
}
