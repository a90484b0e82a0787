using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Builders.TopoServers;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.TopoServers;

/// <summary>
/// The TopoServer controller (spec §6.4, §11.5): the StorageClass guard, then the etcd StatefulSet
/// and its headless and client Services, then status. Reads come from the silo's informers; writes
/// are server-side applies that are skipped when nothing would change.
/// </summary>
public sealed class TopoServerGrain(
    ObservedState observed, Applier applier, EventRecorder events, OperatorOptions options, TimeProvider time)
    : Grain, ITopoServerGrain
{
    private static readonly TimeSpan NotHealthyRequeue = TimeSpan.FromSeconds(30);

    public async Task<ReconcileResult> Reconcile()
    {
        var (ns, name) = GrainKeys.Parse(GetPrimaryKeyString());
        var topo = observed.TopoServers.Cache.Get(ns, name);
        if (topo is null || topo.Metadata.DeletionTimestamp is not null)
            return ReconcileResult.Done;
        var now = time.GetUtcNow();
        var resources = observed.Resources;

        var requested = StorageClassGuard.RequestedClass(topo);
        var guard = StorageClassGuard.Decide(topo, requested is not null && observed.StorageClasses.Cache.Get(null, requested) is not null, now);
        if (guard.BlockApply)
        {
            if (guard.WriteNeeded)
            {
                var blocked = (topo.Status ?? new TopoServerStatus()) with { Conditions = ConditionSet.Set(topo.Status?.Conditions, guard.Condition) };
                await StatusWriter.ApplyAsync(resources.TopoServers, topo, blocked, Abstractions.Api.V1Alpha1.MultigresJsonContext.Default.TopoServerStatus, options.FieldManager)
                    .ConfigureAwait(false);
                await events.RecordAsync(topo, EventRecorder.Warning, StorageClassGuard.EventReason, guard.WarningEventMessage!).ConfigureAwait(false);
            }

            return ReconcileResult.After(StorageClassGuard.MissingRequeue);
        }

        var statefulSet = EtcdStatefulSetBuilder.Build(topo);
        var wrote = false;
        wrote |= await applier.ApplyAsync(resources.StatefulSets, statefulSet, observed.StatefulSets.Cache.Get(ns, statefulSet.Metadata.Name!)).ConfigureAwait(false) == ApplyOutcome.Applied;
        var headless = TopoServerServicesBuilder.BuildHeadless(topo);
        wrote |= await applier.ApplyAsync(resources.Services, headless, observed.Services.Cache.Get(ns, headless.Metadata.Name!)).ConfigureAwait(false) == ApplyOutcome.Applied;
        var client = TopoServerServicesBuilder.BuildClient(topo);
        wrote |= await applier.ApplyAsync(resources.Services, client, observed.Services.Cache.Get(ns, client.Metadata.Name!)).ConfigureAwait(false) == ApplyOutcome.Applied;

        var liveSet = observed.StatefulSets.Cache.Get(ns, statefulSet.Metadata.Name!);
        if (liveSet is null)
            return ReconcileResult.After(TimeSpan.FromSeconds(1)); // status needs the StatefulSet; its informer event also wakes us
        var status = TopoServerStatusBuilder.Compute(topo, liveSet, null, now);
        status = status with { Conditions = ConditionSet.Set(status.Conditions, guard.Condition) };
        await StatusWriter.ApplyAsync(resources.TopoServers, topo, status, Abstractions.Api.V1Alpha1.MultigresJsonContext.Default.TopoServerStatus, options.FieldManager)
            .ConfigureAwait(false);
        if (PhaseHelpers.PhaseChanged(topo.Status?.Phase, status.Phase ?? Phase.Progressing))
            await events.RecordAsync(topo, EventRecorder.Normal, "PhaseChange", PhaseHelpers.PhaseChangeMessage(topo.Status?.Phase, status.Phase ?? Phase.Progressing)).ConfigureAwait(false);
        if (wrote)
            await events.RecordAsync(topo, EventRecorder.Normal, "Synced", "Successfully reconciled TopoServer").ConfigureAwait(false);
        return status.Phase == Phase.Healthy ? ReconcileResult.Done : ReconcileResult.After(NotHealthyRequeue);
    }
}
