using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.KubeSim.Storage;

/// <summary>
/// The set of served resources: the built-ins plus whatever the installed CRDs declare. A CRD
/// write replaces its entries atomically so discovery, OpenAPI and the REST handlers always agree
/// on what exists; <see cref="Generation"/> lets discovery and OpenAPI documents be hashed.
/// </summary>
public sealed class ResourceRegistry
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<ResourceType>> byCrd = new(StringComparer.Ordinal);
    private IReadOnlyList<ResourceType> all = BuiltInResources.All;

    public long Generation { get; private set; } = 1;

    public IReadOnlyList<ResourceType> All
    {
        get { lock (gate) return all; }
    }

    public ResourceType? Find(string group, string version, string plural)
    {
        foreach (var t in All)
        {
            if (t.Group == group && t.Version == version && t.Plural == plural)
                return t;
        }
        return null;
    }

    /// <summary>Any served version of a group and plural (for storage-level operations such as GC).</summary>
    public ResourceType? FindByStorageKey(string storageKey) =>
        All.FirstOrDefault(t => t.StorageKey == storageKey && t.StorageVersion) ?? All.FirstOrDefault(t => t.StorageKey == storageKey);

    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        return All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Kind == kind);
    }

    /// <summary>Installs or replaces the resources a CRD declares.</summary>
    public IReadOnlyList<ResourceType> Install(JsonObject crdObject)
    {
        var crd = crdObject.Deserialize<CustomResourceDefinition>()
                  ?? throw new InvalidOperationException("CRD did not deserialize");
        var types = FromCrd(crd);
        lock (gate)
        {
            byCrd[crd.Metadata.Name ?? ""] = types;
            Rebuild();
        }
        return types;
    }

    public IReadOnlyList<ResourceType> Remove(string crdName)
    {
        lock (gate)
        {
            if (!byCrd.Remove(crdName, out var removed))
                return [];
            Rebuild();
            return removed;
        }
    }

    private void Rebuild()
    {
        all = [.. BuiltInResources.All, .. byCrd.Values.SelectMany(v => v)];
        Generation++;
    }

    internal static List<ResourceType> FromCrd(CustomResourceDefinition crd)
    {
        var spec = crd.Spec;
        var result = new List<ResourceType>();
        foreach (var version in spec.Versions.Where(v => v.Served))
        {
            var scale = version.Subresources?.Scale;
            result.Add(new ResourceType
            {
                Group = spec.Group,
                Version = version.Name,
                Plural = spec.Names.Plural,
                Kind = spec.Names.Kind,
                SingularName = spec.Names.Singular,
                Namespaced = spec.Scope != "Cluster",
                ShortNames = spec.Names.ShortNames ?? [],
                Categories = spec.Names.Categories ?? [],
                HasStatus = version.Subresources?.Status is not null,
                Scale = scale is null ? null : new ScalePaths(scale.SpecReplicasPath, scale.StatusReplicasPath, scale.LabelSelectorPath),
                IsCustom = true,
                TracksGeneration = true,
                Schema = version.Schema?.OpenApiV3Schema,
                PrinterColumns = version.AdditionalPrinterColumns ?? [],
                StorageVersion = version.Storage,
            });
        }
        return result;
    }
}
