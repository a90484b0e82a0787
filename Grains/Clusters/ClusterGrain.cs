using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Builders.Images;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Builders.TableGroups;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Clusters;

/// <summary>
/// The MultigresCluster controller (spec §6.1): an outer step that fetches and guards (deletion,
/// finalizer), then the ordered ensure-steps — resolve, images, global components, cells, topology,
/// databases, status — each in its own file. Everything is read from the silo's informers and
/// written by server-side apply only when it would change something, so a converged cluster costs
/// no writes; events are recorded only when something was written or changed.
/// </summary>
public sealed partial class ClusterGrain(
    ObservedState observed,
    Applier applier,
    EventRecorder events,
    OperatorOptions options,
    OperatorEnvironment environment,
    TopologyConnections topology,
    TimeProvider time,
    ILogger<ClusterGrain> logger) : Grain, IClusterGrain
{
    private static readonly TimeSpan PendingRequeue = TimeSpan.FromSeconds(5);

    private OperatorResources Resources => observed.Resources;

    public async Task<ReconcileResult> Reconcile()
    {
        var (ns, name) = GrainKeys.Parse(GetPrimaryKeyString());
        var cluster = observed.Clusters.Cache.Get(ns, name);
        if (cluster is null)
            return ReconcileResult.Done;
        if (cluster.Metadata.DeletionTimestamp is not null)
            return await HandleDeletionAsync(cluster).ConfigureAwait(false);
        var templates = new InformerTemplateSource(observed, ns);
        MultigresCluster resolved;
        try
        {
            var defaulting = Defaulter.Default(cluster, templates);
            resolved = defaulting.Cluster;
        }
        catch (Exception exception) when (exception is TemplateResolutionException or TemplateSourceException)
        {
            await Warn(cluster, "FailedApply", $"Failed to populate cluster defaults: {exception.Message}").ConfigureAwait(false);
            throw;
        }

        // Finalizer, tracking labels and the applied-images record go in one merge patch, made on the
        // resourceVersion they were decided on: several patches in a row would conflict with each other.
        var images = await ResolveImagesAsync(cluster).ConfigureAwait(false);
        var metadata = new JsonObject();
        if (!(cluster.Metadata.Finalizers ?? []).Contains(Finalizers.ClusterCleanup))
            metadata["finalizers"] = new JsonArray([.. (cluster.Metadata.Finalizers ?? []).Append(Finalizers.ClusterCleanup).Select(f => (JsonNode)f!)]);
        if (TrackingLabelsPatch(cluster) is { } labels)
            metadata["labels"] = labels;
        if (images.AnnotationToWrite is { } record && record != cluster.Metadata.Annotations?.GetValueOrDefault(AnnotationKeys.AppliedImages))
            metadata["annotations"] = new JsonObject { [AnnotationKeys.AppliedImages] = record };
        if (metadata.Count > 0)
            await PatchMetadataAsync(cluster, metadata, "failed to update the cluster's finalizer, tracking labels or applied images").ConfigureAwait(false);
        var globalRef = await ReconcileGlobalComponentsAsync(cluster, resolved, images.Completed!, templates).ConfigureAwait(false);
        var cellsPending = await ReconcileCellsAsync(cluster, resolved, images.Completed!, globalRef, templates).ConfigureAwait(false);
        ReconcileResult? wait;
        try
        {
            wait = await ReconcileTopologyAsync(cluster, resolved, globalRef, templates, cellsPending).ConfigureAwait(false);
        }
        catch (TopologyUnavailableException exception)
        {
            await UpdateStatusAsync(cluster, images, ClusterStatusBuilder.TopologyCondition(cluster, exception.Message, time.GetUtcNow())).ConfigureAwait(false);
            throw;
        }

        if (wait is not null)
        {
            await UpdateStatusAsync(cluster, images).ConfigureAwait(false);
            return wait;
        }

        var tableGroupsPending = await ReconcileDatabasesAsync(cluster, resolved, images.Completed!, globalRef, templates).ConfigureAwait(false);
        await UpdateStatusAsync(cluster, images, ClusterStatusBuilder.TopologyCondition(cluster, null, time.GetUtcNow())).ConfigureAwait(false);
        return cellsPending || tableGroupsPending ? ReconcileResult.After(PendingRequeue) : ReconcileResult.Done;
    }

    /// <summary>A merge patch of metadata with the resourceVersion the decision was made on (optimistic lock).</summary>
    private async Task PatchMetadataAsync(MultigresCluster cluster, JsonObject metadata, string failure)
    {
        metadata["resourceVersion"] = cluster.Metadata.ResourceVersion;
        try
        {
            await Resources.Clusters.PatchAsync(cluster.Metadata.Name!, cluster.Metadata.Namespace, PatchType.Merge, new JsonObject { ["metadata"] = metadata })
                .ConfigureAwait(false);
        }
        catch (KubernetesApiException exception) when (exception is not ConflictException)
        {
            throw new InvalidOperationException($"{failure}: {exception.Message}", exception);
        }
    }

    private Task Normal(IKubernetesObject regarding, string reason, string message) => events.RecordAsync(regarding, EventRecorder.Normal, reason, message);

    private Task Warn(IKubernetesObject regarding, string reason, string message) => events.RecordAsync(regarding, EventRecorder.Warning, reason, message);

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

    /// <summary>The Cells, TableGroups or TopoServers of this cluster that the informers hold.</summary>
    private static List<T> Children<T>(Kubernetes.Informers.SharedInformer<T> informer, MultigresCluster cluster) where T : class, IKubernetesObject =>
        [.. ObservedState.OfCluster(informer, cluster.Metadata.Namespace!, cluster.Metadata.Name!)];

    /// <summary>Retire children no longer desired through PendingDeletion → ReadyForDeletion → delete (spec §6.8.1). True while any is pending.</summary>
    private async Task<bool> RetireAsync<T>(MultigresCluster cluster, RetiredKind kind, ResourceClient<T> resource, IEnumerable<T> undesired,
        Func<T, IEnumerable<Condition>?> conditions) where T : class, IKubernetesObject
    {
        var pending = false;
        foreach (var child in undesired)
        {
            var decision = PendingDeletionProtocol.Decide(kind, child.Metadata, conditions(child));
            switch (decision.Action)
            {
                case RetireAction.AnnotatePendingDeletion:
                    await resource.PatchAsync(child.Metadata.Name!, child.Metadata.Namespace, PatchType.Merge, new JsonObject
                    {
                        ["metadata"] = new JsonObject
                        {
                            ["annotations"] = new JsonObject { [AnnotationKeys.PendingDeletion] = PendingDeletionProtocol.AnnotationValue(time.GetUtcNow()) },
                        },
                    }).ConfigureAwait(false);
                    break;
                case RetireAction.Delete:
                    await DeleteIgnoringNotFoundAsync(resource, child.Metadata.Name!, child.Metadata.Namespace).ConfigureAwait(false);
                    break;
            }

            if (decision.EventReason is { } reason)
                await Normal(cluster, reason, decision.EventMessage!).ConfigureAwait(false);
            pending |= decision.Pending;
        }

        return pending;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "cluster {Cluster}: {Message}")]
        public static partial void Info(ILogger logger, string cluster, string message);
    }
}
