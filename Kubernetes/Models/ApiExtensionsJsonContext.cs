using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>Source-generated serialization for CustomResourceDefinitions and their schemas.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(KubernetesTimeConverter)])]
[JsonSerializable(typeof(CustomResourceDefinition))]
[JsonSerializable(typeof(JsonSchemaProps))]
public sealed partial class ApiExtensionsJsonContext : JsonSerializerContext;
