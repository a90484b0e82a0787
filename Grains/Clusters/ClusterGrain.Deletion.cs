using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Grains.Clusters;

// Spec §6.8.4: delete the Cells and TableGroups, delete every etcd PVC of the cluster (global and
// local, whatever the PVC policy), then drop the finalizer. It does not wait: garbage collection
// and the Shards' own finalizers do the rest.
public sealed partial class ClusterGrain
{
    private async Task<ReconcileResult> HandleDeletionAsync(MultigresCluster cluster)
    {
        if (!(cluster.Metadata.Finalizers ?? []).Contains(Finalizers.ClusterCleanup))
            return ReconcileResult.Done;
        var ns = cluster.Metadata.Namespace!;
        foreach (var cell in Children(observed.Cells, cluster).Where(c => c.Metadata.DeletionTimestamp is null))
            await DeleteChildAsync(Resources.Cells, cell.Metadata.Name!, ns, "cell").ConfigureAwait(false);
        foreach (var group in Children(observed.TableGroups, cluster).Where(t => t.Metadata.DeletionTimestamp is null))
            await DeleteChildAsync(Resources.TableGroups, group.Metadata.Name!, ns, "tablegroup").ConfigureAwait(false);

        var selector = $"{LabelKeys.Cluster}={cluster.Metadata.Name},{LabelKeys.AppComponent}={Components.TopoServer}";
        var pvcs = await Resources.Pvcs.ListAsync(ns, new ListOptions { LabelSelector = selector }).ConfigureAwait(false);
        foreach (var pvc in pvcs.Items)
            await DeleteChildAsync(Resources.Pvcs, pvc.Metadata.Name!, ns, "topo PVC").ConfigureAwait(false);

        var remaining = (cluster.Metadata.Finalizers ?? []).Where(f => f != Finalizers.ClusterCleanup).Select(f => (JsonNode)f!).ToArray();
        await PatchMetadataAsync(cluster, new JsonObject { ["finalizers"] = new JsonArray(remaining) }, "failed to remove cluster cleanup finalizer").ConfigureAwait(false);
        await Normal(cluster, "CleanupComplete", "Initiated deletion of child resources").ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private static async Task DeleteChildAsync<T>(ResourceClient<T> resource, string name, string ns, string what) where T : class
    {
        try
        {
            await resource.DeleteAsync(name, ns).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
        }
        catch (KubernetesApiException exception)
        {
            throw new InvalidOperationException($"failed to delete {what} \"{name}\": {exception.Message}", exception);
        }
    }
}
