using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Builders.Images;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Grains.Tests.Builders.Cluster;

/// <summary>A shipped sample cluster as the controller sees it: read from the API server (uid set), defaulted in memory, images resolved.</summary>
internal sealed record LoadedCluster(MultigresCluster Cluster, ITemplateSource Templates, ClusterImages Images)
{
    public const string Uid = "0b5c7a0e-1111-4222-8333-944445555666";

    public GlobalTopoServerSpec GlobalTopo => GlobalResolver.ResolveGlobalTopo(Cluster.Spec, Templates);

    public GlobalTopoServerRef TopoRef => GlobalTopoServerBuilder.Ref(Cluster, GlobalTopo);

    public static LoadedCluster Load(string sample)
    {
        var manifests = ManifestReader.ReadAll(File.ReadAllText(Path.Combine(RepositoryPaths.Samples, sample))).ToList();
        var raw = manifests.Select(m => m.Object).OfType<MultigresCluster>().Single();
        var templates = new InMemoryTemplateSource(
            manifests.Select(m => m.Object).OfType<CoreTemplate>(),
            manifests.Select(m => m.Object).OfType<CellTemplate>(),
            manifests.Select(m => m.Object).OfType<ShardTemplate>());
        raw.Metadata.Uid = Uid;
        var cluster = Defaulter.Default(raw, templates).Cluster;
        var images = ImageResolver.Resolve(new ImageResolutionInput(
            cluster.Spec.Images, null, null, DefaultImageSet.Compiled, ImageUpdateStrategy.Immediate, null)).Completed!;
        return new LoadedCluster(cluster, templates, images);
    }

    /// <summary>The same cluster with a changed spec (the metadata, incl. uid, is shared).</summary>
    public LoadedCluster WithSpec(Func<MultigresClusterSpec, MultigresClusterSpec> change) =>
        this with { Cluster = Cluster with { Spec = change(Cluster.Spec) } };
}

internal static class ClusterAsserts
{
    public static void OwnedByCluster(ObjectMeta meta, string cluster, string ns)
    {
        Assert.Equal(ns, meta.Namespace);
        var owner = Assert.Single(meta.OwnerReferences!);
        Assert.Equal("multigres.com/v1alpha1", owner.ApiVersion);
        Assert.Equal("MultigresCluster", owner.Kind);
        Assert.Equal(cluster, owner.Name);
        Assert.Equal(LoadedCluster.Uid, owner.Uid);
        Assert.True(owner.Controller);
        Assert.True(owner.BlockOwnerDeletion);
    }

    public static Dictionary<string, string> StandardPlusCluster(string cluster, string component) => new(StringComparer.Ordinal)
    {
        ["app.kubernetes.io/name"] = "multigres",
        ["app.kubernetes.io/instance"] = cluster,
        ["app.kubernetes.io/component"] = component,
        ["app.kubernetes.io/part-of"] = "multigres",
        ["app.kubernetes.io/managed-by"] = "multigres-operator",
        ["multigres.com/cluster"] = cluster,
    };

    /// <summary>Records holding dictionaries compare by reference, so resources are compared as JSON.</summary>
    public static void SameResources(ResourceRequirements expected, ResourceRequirements? actual) =>
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(expected, ProbeShapesAccess.Options),
            System.Text.Json.JsonSerializer.Serialize(actual, ProbeShapesAccess.Options));

    public static void Labels(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string>? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            expected.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList(),
            actual.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList());
    }
}
