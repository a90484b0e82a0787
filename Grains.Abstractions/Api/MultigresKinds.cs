using System.Text.Json.Serialization.Metadata;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api;

/// <summary>
/// One entry per Multigres kind: its C# type, its serializer and its structural schema. The CRD
/// generator, the strict manifest reader, and (later) the webhooks and informers all start here,
/// so adding a kind is one line.
/// </summary>
public sealed class MultigresKind
{
    private readonly Lazy<CustomResourceDefinition> _definition;

    private MultigresKind(Type type, JsonTypeInfo typeInfo)
    {
        Type = type;
        TypeInfo = typeInfo;
        _definition = new Lazy<CustomResourceDefinition>(() => StructuralSchemaGenerator.CustomResourceDefinition(type));
    }

    public Type Type { get; }

    public JsonTypeInfo TypeInfo { get; }

    public string Kind => Definition.Spec.Names.Kind;

    public string Plural => Definition.Spec.Names.Plural;

    /// <summary>The generated CRD (what `make crds` writes to deploy/crds).</summary>
    public CustomResourceDefinition Definition => _definition.Value;

    public JsonSchemaProps Schema => Definition.Spec.Versions[0].Schema!.OpenApiV3Schema!;

    /// <summary>All eight kinds, user-facing first, in the order the CRDs are listed.</summary>
    public static IReadOnlyList<MultigresKind> All { get; } =
    [
        new(typeof(MultigresCluster), MultigresJsonContext.Default.MultigresCluster),
        new(typeof(CoreTemplate), MultigresJsonContext.Default.CoreTemplate),
        new(typeof(CellTemplate), MultigresJsonContext.Default.CellTemplate),
        new(typeof(ShardTemplate), MultigresJsonContext.Default.ShardTemplate),
        new(typeof(Cell), MultigresJsonContext.Default.Cell),
        new(typeof(TableGroup), MultigresJsonContext.Default.TableGroup),
        new(typeof(Shard), MultigresJsonContext.Default.Shard),
        new(typeof(TopoServer), MultigresJsonContext.Default.TopoServer),
    ];

    public static MultigresKind? Find(string apiVersion, string kind) =>
        apiVersion == ApiConstants.ApiVersion ? All.FirstOrDefault(k => k.Kind == kind) : null;
}
