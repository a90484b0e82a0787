using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.Cells;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Cells;

/// <summary>
/// The Cell controller (spec §6.3, §6.3.1, §11.4): pending deletion first (the managed local
/// TopoServer goes, then ReadyForDeletion), then the local TopoServer (the gateway waits until it
/// is Healthy), then the gateway Deployment and Service, then status.
/// </summary>
public sealed class CellGrain(
    ObservedState observed, Applier applier, EventRecorder events, OperatorOptions options, OperatorEnvironment environment,
    TimeProvider time) : Grain, ICellGrain
{
    private static readonly TimeSpan PendingRequeue = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan NotHealthyRequeue = TimeSpan.FromSeconds(30);

    public async Task<ReconcileResult> Reconcile()
    {
        var (ns, name) = GrainKeys.Parse(GetPrimaryKeyString());
        var cell = observed.Cells.Cache.Get(ns, name);
        if (cell is null)
            return ReconcileResult.Done;
        var now = time.GetUtcNow();
        var resources = observed.Resources;
        var localName = LocalTopoServerBuilder.Name(cell);
        var local = observed.TopoServers.Cache.Get(ns, localName);

        if (cell.Metadata.Annotations?.ContainsKey(AnnotationKeys.PendingDeletion) == true)
            return await PendingDeletionAsync(cell, local, now).ConfigureAwait(false);
        if (cell.Metadata.DeletionTimestamp is not null)
            return ReconcileResult.Done;

        // §6.3.1: the managed local TopoServer, or removal of a stale one.
        if (LocalTopoServerBuilder.Build(cell) is { } desiredLocal)
        {
            if (local is not null && !LocalTopoServerBuilder.IsControlledBy(local.Metadata, cell))
            {
                var message = LocalTopoServerBuilder.RefusingToManageMessage(cell, local);
                await events.RecordAsync(cell, EventRecorder.Warning, "FailedApply", $"Failed to reconcile local TopoServer: {message}").ConfigureAwait(false);
                throw new InvalidOperationException(message);
            }

            if (await applier.ApplyAsync(resources.TopoServers, desiredLocal, local).ConfigureAwait(false) == ApplyOutcome.Applied)
                await events.RecordAsync(cell, EventRecorder.Normal, "Applied", $"Applied TopoServer {localName}").ConfigureAwait(false);
            if (!CellStatusBuilder.LocalTopoServerReady(cell, local))
            {
                await WriteStatusAsync(cell, CellStatusBuilder.LocalTopoServerNotReady(cell, now)).ConfigureAwait(false);
                return ReconcileResult.After(PendingRequeue);
            }
        }
        else if (local is not null && LocalTopoServerBuilder.IsControlledBy(local.Metadata, cell) && local.Metadata.DeletionTimestamp is null)
        {
            await DeleteAsync(resources.TopoServers, localName, ns).ConfigureAwait(false);
            await events.RecordAsync(cell, EventRecorder.Normal, "Deleted", $"Deleted stale local TopoServer {localName}").ConfigureAwait(false);
        }

        var deployment = GatewayDeploymentBuilder.Build(cell, environment);
        var wrote = false;
        if (await applier.ApplyAsync(resources.Deployments, deployment, observed.Deployments.Cache.Get(ns, deployment.Metadata.Name!)).ConfigureAwait(false) == ApplyOutcome.Applied)
        {
            wrote = true;
            await events.RecordAsync(cell, EventRecorder.Normal, "Applied", $"Applied Deployment {deployment.Metadata.Name}").ConfigureAwait(false);
        }

        var service = GatewayServiceBuilder.Build(cell);
        if (await applier.ApplyAsync(resources.Services, service, observed.Services.Cache.Get(ns, service.Metadata.Name!)).ConfigureAwait(false) == ApplyOutcome.Applied)
        {
            wrote = true;
            await events.RecordAsync(cell, EventRecorder.Normal, "Applied", $"Applied Service {service.Metadata.Name}").ConfigureAwait(false);
        }

        // §11.4: status needs the gateway Deployment to exist; its informer event wakes us when it does.
        var liveDeployment = observed.Deployments.Cache.Get(ns, deployment.Metadata.Name!);
        if (liveDeployment is null)
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        var status = CellStatusBuilder.Compute(cell, liveDeployment, null, now);
        await WriteStatusAsync(cell, status).ConfigureAwait(false);
        if (PhaseHelpers.PhaseChanged(cell.Status?.Phase, status.Phase ?? Phase.Progressing))
            await events.RecordAsync(cell, EventRecorder.Normal, "PhaseChange", PhaseHelpers.PhaseChangeMessage(cell.Status?.Phase, status.Phase ?? Phase.Progressing)).ConfigureAwait(false);
        if (wrote)
            await events.RecordAsync(cell, EventRecorder.Normal, "Synced", "Successfully reconciled Cell").ConfigureAwait(false);
        return status.Phase == Phase.Healthy ? ReconcileResult.Done : ReconcileResult.After(NotHealthyRequeue);
    }

    private async Task<ReconcileResult> PendingDeletionAsync(Cell cell, TopoServer? local, DateTimeOffset now)
    {
        var ns = cell.Metadata.Namespace!;
        if (local is not null)
        {
            if (!LocalTopoServerBuilder.IsControlledBy(local.Metadata, cell))
                throw new InvalidOperationException(LocalTopoServerBuilder.RefusingToDeleteMessage(cell, local));
            if (local.Metadata.DeletionTimestamp is null)
                await DeleteAsync(observed.Resources.TopoServers, local.Metadata.Name!, ns).ConfigureAwait(false);
        }

        var condition = CellStatusBuilder.PendingDeletionCondition(cell, local is null, now);
        if (condition is not null)
        {
            var status = (cell.Status ?? new CellStatus { GatewayReplicas = 0, GatewayReadyReplicas = 0 }) with { Conditions = ConditionSet.Set(cell.Status?.Conditions, condition) };
            await WriteStatusAsync(cell, status).ConfigureAwait(false);
            if (condition.Status == ConditionStatus.True)
                await events.RecordAsync(cell, EventRecorder.Normal, "ReadyForDeletion", $"Cell {cell.Metadata.Name} marked ready for deletion").ConfigureAwait(false);
        }

        return local is null ? ReconcileResult.Done : ReconcileResult.After(PendingRequeue);
    }

    private Task<bool> WriteStatusAsync(Cell cell, CellStatus status) =>
        StatusWriter.ApplyAsync(observed.Resources.Cells, cell, status, MultigresJsonContext.Default.CellStatus, options.FieldManager);

    private static async Task DeleteAsync<T>(ResourceClient<T> resource, string name, string ns) where T : class
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
