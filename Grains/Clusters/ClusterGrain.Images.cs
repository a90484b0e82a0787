using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Images;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Clusters;

// Spec §6.1 steps 5–6: the informational tracking labels, and image resolution with the
// applied-images record written before any child converges.
public sealed partial class ClusterGrain
{
    /// <summary>The merge-patch of the tracking labels, or null when they are already right.</summary>
    private static JsonObject? TrackingLabelsPatch(MultigresCluster cluster)
    {
        var inUse = TemplateUsage.KindsInUse(cluster.Spec);
        var labels = cluster.Metadata.Labels ?? [];
        var patch = new JsonObject();
        void Track(string key, bool used)
        {
            var has = labels.TryGetValue(key, out var value) && value == LabelValues.True;
            if (used && !has)
                patch[key] = LabelValues.True;
            else if (!used && labels.ContainsKey(key))
                patch[key] = null; // merge patch: remove
        }

        Track(LabelKeys.UsesCoreTemplate, inUse.Core);
        Track(LabelKeys.UsesCellTemplate, inUse.Cell);
        Track(LabelKeys.UsesShardTemplate, inUse.Shard);
        return patch.Count > 0 ? patch : null;
    }

    private async Task<ImageResolution> ResolveImagesAsync(MultigresCluster cluster)
    {
        var strategy = ImageResolver.ParseStrategy(options.ImageUpdateStrategy) ?? ImageUpdateStrategy.Immediate;
        var annotation = cluster.Metadata.Annotations?.GetValueOrDefault(AnnotationKeys.AppliedImages);
        var resolution = ImageResolver.Resolve(new ImageResolutionInput(
            cluster.Spec.Images, annotation, cluster.Status?.Images, options.DefaultImages, strategy, cluster.Spec.ImageUpdatePolicy));
        foreach (var recorded in resolution.Events)
            await events.RecordAsync(cluster, recorded.Type, recorded.Reason, recorded.Message).ConfigureAwait(false);
        if (resolution.Error is { } error)
        {
            await Warn(cluster, "FailedApply", $"Failed to resolve component images: {error}").ConfigureAwait(false);
            throw new InvalidOperationException(error);
        }

        return resolution;
    }

    private Kubernetes.Models.Condition? ImageCondition(MultigresCluster cluster, ImageResolution images) =>
        images.Condition is { } c
            ? ConditionSet.Make(c.Type, c.Status == "True", c.Reason, c.Message, cluster.Metadata.Generation ?? 0, time.GetUtcNow())
            : null;
}
