using System.Text.Json.Serialization;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>
/// Source-generated System.Text.Json metadata for the API: nulls are omitted (Go's omitempty on
/// pointers) and times use the Kubernetes RFC 3339 form.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(MultigresOrleans.Kubernetes.Models.KubernetesTimeConverter)])]
[JsonSerializable(typeof(MultigresCluster))]
[JsonSerializable(typeof(CoreTemplate))]
[JsonSerializable(typeof(CellTemplate))]
[JsonSerializable(typeof(ShardTemplate))]
[JsonSerializable(typeof(Cell))]
[JsonSerializable(typeof(TableGroup))]
[JsonSerializable(typeof(Shard))]
[JsonSerializable(typeof(TopoServer))]
[JsonSerializable(typeof(ComponentImages))]
public sealed partial class MultigresJsonContext : JsonSerializerContext;
