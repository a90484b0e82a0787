using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Builders.Cluster;

/// <summary>
/// The metadata every child of a MultigresCluster shares (spec §5): the cluster's namespace, the standard labels plus
/// <c>multigres.com/cluster</c>, and a controller owner reference so garbage collection and the owner watch both work.
/// </summary>
public static class ClusterMetadata
{
    public static string NameOf(MultigresCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.Metadata.Name ?? throw new ArgumentException("the MultigresCluster has no metadata.name", nameof(cluster));
    }

    public static string NamespaceOf(MultigresCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.Metadata.Namespace ?? throw new ArgumentException("the MultigresCluster has no metadata.namespace", nameof(cluster));
    }

    /// <summary><c>BuildStandardLabels(cluster, component)</c> + <c>multigres.com/cluster</c>.</summary>
    public static Dictionary<string, string> ComponentLabels(MultigresCluster cluster, string component)
    {
        var labels = Labels.Standard(NameOf(cluster), component);
        labels[LabelKeys.Cluster] = NameOf(cluster);
        return labels;
    }

    /// <summary>Object metadata of a cluster child; <paramref name="annotations"/> null or empty means none.</summary>
    public static ObjectMeta Child(
        MultigresCluster cluster,
        string name,
        Dictionary<string, string> labels,
        Dictionary<string, string>? annotations = null) => new()
    {
        Name = name,
        Namespace = NamespaceOf(cluster),
        Labels = labels,
        Annotations = annotations is { Count: > 0 } ? annotations : null,
        OwnerReferences = [Labels.ControllerReference(cluster)],
    };

    /// <summary>
    /// The value pods and OTEL resource attributes use as project: the cluster's <c>multigres.com/project-ref</c>
    /// annotation, else the cluster name (spec §5.2).
    /// </summary>
    public static string ProjectRef(MultigresCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.Metadata.Annotations is { } annotations
            && annotations.TryGetValue(AnnotationKeys.ProjectRef, out var value) && value.Length > 0
            ? value
            : NameOf(cluster);
    }

    internal static Dictionary<string, string>? CopyOrNull(IReadOnlyDictionary<string, string>? source) =>
        source is { Count: > 0 } ? new Dictionary<string, string>(source, StringComparer.Ordinal) : null;

    internal static string LogLevelText(LogLevel? level) => (level ?? Resolution.HardcodedDefaults.ComponentLogLevel) switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Info => "info",
        LogLevel.Warn => "warn",
        LogLevel.Error => "error",
        var other => throw new ArgumentOutOfRangeException(nameof(level), other, "unknown log level"),
    };
}
