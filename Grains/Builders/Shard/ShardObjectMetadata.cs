namespace MultigresOrleans.Grains.Builders.Shards;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// Identity and labels of the shard-level shared objects (spec §5.1, §6.5.1). The cluster, namespace and project
/// rules are delegated to <see cref="PoolPodMetadata"/> so that a Shard's pool pods and its shared objects can never
/// disagree about which cluster or project they belong to.
/// </summary>
public static class ShardObjectMetadata
{
    /// <summary>The Shard's <c>multigres.com/cluster</c> label (throws when absent: every operator-built Shard has one).</summary>
    public static string ClusterName(Shard shard) => PoolPodMetadata.ClusterName(shard);

    /// <summary>The Shard's namespace, shared by every child.</summary>
    public static string Namespace(Shard shard) => PoolPodMetadata.Namespace(shard);

    /// <summary>The Shard CR's own (hashed) name, the prefix of its ConfigMaps and Secrets.</summary>
    public static string ShardCrName(Shard shard) => PoolPodMetadata.ShardCrName(shard);

    /// <summary>The project ref copied onto pods and used as <c>multigres.project</c> (§5.2).</summary>
    public static string ProjectRef(Shard shard) => PoolPodMetadata.ProjectRef(shard);

    /// <summary>
    /// <c>merge(standard(component), shard labels)</c> as the reference writes it for the shard's ConfigMaps: the Shard's
    /// own labels (cluster, database, tablegroup, shard, …) with the five standard labels overwriting, so the component
    /// names the ConfigMap's purpose instead of <c>shard</c>.
    /// </summary>
    public static Dictionary<string, string> ConfigMapLabels(Shard shard, string component)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(component);
        return Labels.Merge(shard.Metadata.Labels, Labels.Standard(ClusterName(shard), component));
    }

    /// <summary>A controller-owned ConfigMap of the Shard with one data key.</summary>
    internal static ConfigMap ConfigMap(Shard shard, string name, string component, string key, string value) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = Namespace(shard),
            Labels = ConfigMapLabels(shard, component),
            OwnerReferences = [Labels.ControllerReference(shard)],
        },
        Data = new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value },
    };
}

/// <summary>
/// A shard-level object that cannot be built from the Shard's spec. The message is the reference's error text; the
/// reconcile turns it into the event of the step that failed (spec §6.5) and does not go on to the steps after it.
/// </summary>
public sealed class ShardBuildException(string message) : Exception(message);
