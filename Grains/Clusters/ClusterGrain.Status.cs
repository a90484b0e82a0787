using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Images;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Operator;

namespace MultigresOrleans.Grains.Clusters;

// Spec §6.1 steps 12–13 and §11.1: the status from the children the informers hold, written only
// when it differs; a PhaseChange event when the phase moved.
public sealed partial class ClusterGrain
{
    private async Task UpdateStatusAsync(MultigresCluster cluster, ImageResolution images, Kubernetes.Models.Condition? topologyCondition = null)
    {
        var status = ClusterStatusBuilder.Compute(
            cluster,
            Children(observed.Cells, cluster),
            Children(observed.TableGroups, cluster),
            Children(observed.TopoServers, cluster),
            ImageCondition(cluster, images),
            images.Status,
            time.GetUtcNow(),
            topologyCondition);
        if (await StatusWriter.ApplyAsync(Resources.Clusters, cluster, status, MultigresJsonContext.Default.MultigresClusterStatus, options.FieldManager).ConfigureAwait(false)
            && PhaseHelpers.PhaseChanged(cluster.Status?.Phase, status.Phase ?? Phase.Progressing))
        {
            await Normal(cluster, "PhaseChange", PhaseHelpers.PhaseChangeMessage(cluster.Status?.Phase, status.Phase ?? Phase.Progressing)).ConfigureAwait(false);
            Log.Info(logger, cluster.Metadata.Name!, $"phase {status.Phase}");
        }
    }
}
