using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Builders;

/// <summary>
/// The label and owner-reference rules every desired object shares (spec §5.1, §5.3). One place,
/// so a selector built for a Deployment and the labels its pods carry can never drift apart.
/// Keys and values are the constants of <see cref="LabelKeys"/>, <see cref="LabelValues"/> and <see cref="Components"/>.
/// </summary>
public static class Labels
{
    /// <summary>The keys a selector may use (spec §5.1); zone, region, name, part-of and managed-by never select.</summary>
    public static readonly IReadOnlySet<string> SelectorKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        LabelKeys.AppComponent, LabelKeys.AppInstance, LabelKeys.Cluster, LabelKeys.Database,
        LabelKeys.TableGroup, LabelKeys.Shard, LabelKeys.Pool, LabelKeys.Cell,
    };

    /// <summary><c>BuildStandardLabels(cluster, component)</c>: the five app.kubernetes.io labels, always together.</summary>
    public static Dictionary<string, string> Standard(string cluster, string component) => new(StringComparer.Ordinal)
    {
        [LabelKeys.AppName] = LabelValues.AppName,
        [LabelKeys.AppInstance] = cluster,
        [LabelKeys.AppComponent] = component,
        [LabelKeys.AppPartOf] = LabelValues.PartOf,
        [LabelKeys.AppManagedBy] = LabelValues.ManagedBy,
    };

    /// <summary>The labels of <paramref name="labels"/> that a selector may use.</summary>
    public static Dictionary<string, string> Selector(IReadOnlyDictionary<string, string> labels) =>
        labels.Where(l => SelectorKeys.Contains(l.Key)).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

    /// <summary><c>MergeLabels(standard, custom)</c>: custom first, the operator's labels overwrite, so a user's podLabels never hijack a selector.</summary>
    public static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? custom, IReadOnlyDictionary<string, string> operatorLabels)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        if (custom is not null)
        {
            foreach (var (key, value) in custom)
                merged[key] = value;
        }

        foreach (var (key, value) in operatorLabels)
            merged[key] = value;
        return merged;
    }

    /// <summary>The controller owner reference every child carries to its immediate parent (spec §5.3).</summary>
    public static OwnerReference ControllerReference(IKubernetesObject owner) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name ?? throw new ArgumentException("the owner has no metadata.name", nameof(owner)),
        Uid = owner.Metadata.Uid ?? throw new ArgumentException($"the owner {owner.Kind} {owner.Metadata.Name} has no metadata.uid (read it from the API server first)", nameof(owner)),
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>The <c>multigres.com/project-ref</c> annotation copied from a parent, or null when the parent has none.</summary>
    public static Dictionary<string, string>? ProjectRefAnnotation(ObjectMeta parent) =>
        parent.Annotations is { } annotations && annotations.TryGetValue(AnnotationKeys.ProjectRef, out var value) && value.Length > 0
            ? new Dictionary<string, string>(StringComparer.Ordinal) { [AnnotationKeys.ProjectRef] = value }
            : null;
}
