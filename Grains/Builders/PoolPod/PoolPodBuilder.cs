namespace MultigresOrleans.Grains.Builders.PoolPods;

using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// <c>BuildPoolPod(shard, pool, cell, poolSpec, index)</c> of spec §6.6.1: one pool pod, owned by the Shard.
/// </summary>
/// <remarks>
/// Pool pods are created directly rather than through a StatefulSet so the operator decides which pod goes next during
/// rollouts and scale-down (replicas first, the primary last). The price is that the operator must detect drift itself,
/// which is why the pod carries <c>multigres.com/spec-hash</c> of exactly the object built here.
/// </remarks>
public static class PoolPodBuilder
{
    /// <summary>Gives multipooler time to close connections and announce NOT_SERVING before SIGKILL.</summary>
    public const long TerminationGracePeriodSeconds = 30;

    /// <summary>Builds pool pod <paramref name="index"/> of <paramref name="poolName"/> in <paramref name="cell"/>.</summary>
    /// <exception cref="PoolPodBuildException">The pool's runtime identity is inconsistent (pgctld and multipooler UIDs).</exception>
    public static Pod BuildPoolPod(Shard shard, string poolName, string cell, PoolSpec poolSpec, int index, PoolPodInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(poolName);
        ArgumentException.ThrowIfNullOrEmpty(cell);
        ArgumentNullException.ThrowIfNull(poolSpec);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentNullException.ThrowIfNull(inputs);
        if (PoolContainers.ValidateRuntimeIdentity(poolSpec) is { } error)
            throw new PoolPodBuildException(error);

        var spec = shard.Spec;
        var images = inputs.Images ?? PoolImages.FromShard(spec);
        var podName = PoolPodMetadata.PodName(shard, poolName, cell, index);

        var pod = new Pod
        {
            Metadata = new ObjectMeta
            {
                Name = podName,
                Namespace = PoolPodMetadata.Namespace(shard),
                Labels = PoolPodMetadata.PodLabels(shard, poolName, cell),
                Annotations = Annotations(shard, inputs),
                OwnerReferences = [Labels.ControllerReference(shard)],
            },
            Spec = new PodSpec
            {
                SecurityContext = poolSpec.FsGroup is { } fsGroup ? new JsonObject { ["fsGroup"] = fsGroup } : null,
                TerminationGracePeriodSeconds = TerminationGracePeriodSeconds,
                InitContainers = [PoolContainers.Pgctld(shard, poolSpec, images, inputs.OperatorEnvironment)],
                Containers =
                [
                    PoolContainers.Multipooler(shard, cell, poolSpec, podName, images, inputs.OperatorEnvironment),
                    PoolContainers.Exporter(shard, images),
                ],
                Volumes = PoolVolumes.Build(shard, PoolPodMetadata.DataPvcName(shard, poolName, cell, index)),
                Affinity = poolSpec.Affinity,
                Tolerations = poolSpec.Tolerations is { Count: > 0 } tolerations ? tolerations.ToList() : null,
                NodeSelector = NodeSelector(spec, cell),
                // hostname + subdomain give every pod the stable FQDN <pod>.<headless>.<ns>.svc.cluster.local.
                Hostname = podName,
                Subdomain = PoolPodMetadata.HeadlessServiceName(shard, poolName, cell),
                ServiceAccountName = spec.Backup?.S3?.ServiceAccountName is { Length: > 0 } serviceAccount ? serviceAccount : null,
            },
        };

        // Stamped last: the hash covers the finished spec and the restart-hash annotation set above.
        pod.Metadata.Annotations![AnnotationKeys.SpecHash] = PoolPodSpecHash.Compute(pod);
        return pod;
    }

    /// <summary>The cell's node-selector labels from <c>shard.spec.cellTopologyLabels</c> (zone ID or region), copied; null when none.</summary>
    public static Dictionary<string, string>? NodeSelector(ShardSpec spec, string cell)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.CellTopologyLabels is { } topology && topology.TryGetValue(cell, out var labels) && labels.Count > 0
            ? new Dictionary<string, string>(labels, StringComparer.Ordinal)
            : null;
    }

    private static Dictionary<string, string> Annotations(Shard shard, PoolPodInputs inputs)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AnnotationKeys.ProjectRef] = PoolPodMetadata.ProjectRef(shard),
            [AnnotationKeys.PrometheusScrape] = AnnotationValues.PrometheusScrape,
            [AnnotationKeys.PrometheusPort] = AnnotationValues.PrometheusPort,
            [AnnotationKeys.PrometheusPath] = AnnotationValues.PrometheusPath,
        };
        if (!string.IsNullOrEmpty(inputs.PostgresConfigHash))
            annotations[AnnotationKeys.PostgresConfigHash] = inputs.PostgresConfigHash;
        if (!string.IsNullOrEmpty(inputs.PostgresReloadHash))
            annotations[AnnotationKeys.PostgresReloadHash] = inputs.PostgresReloadHash;
        return annotations;
    }
}
