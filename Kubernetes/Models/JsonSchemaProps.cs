using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>
/// apiextensions.k8s.io/v1 JSONSchemaProps: the OpenAPI v3 subset a structural CRD schema uses.
/// Properties are declared in the order controller-gen writes them so generated YAML reads the
/// same way; <see cref="Properties"/> is kept sorted by the generator for the same reason.
/// </summary>
public sealed class JsonSchemaProps
{
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("additionalProperties")] public JsonSchemaProps? AdditionalProperties { get; set; }
    [JsonPropertyName("allOf")] public List<JsonSchemaProps>? AllOf { get; set; }
    [JsonPropertyName("anyOf")] public List<JsonSchemaProps>? AnyOf { get; set; }
    [JsonPropertyName("oneOf")] public List<JsonSchemaProps>? OneOf { get; set; }
    [JsonPropertyName("default")] public JsonNode? Default { get; set; }
    [JsonPropertyName("enum")] public List<JsonNode?>? Enum { get; set; }
    [JsonPropertyName("format")] public string? Format { get; set; }
    [JsonPropertyName("items")] public JsonSchemaProps? Items { get; set; }
    [JsonPropertyName("maxItems")] public long? MaxItems { get; set; }
    [JsonPropertyName("maxLength")] public long? MaxLength { get; set; }
    [JsonPropertyName("maxProperties")] public long? MaxProperties { get; set; }
    [JsonPropertyName("maximum")] public double? Maximum { get; set; }
    [JsonPropertyName("minItems")] public long? MinItems { get; set; }
    [JsonPropertyName("minLength")] public long? MinLength { get; set; }
    [JsonPropertyName("minProperties")] public long? MinProperties { get; set; }
    [JsonPropertyName("minimum")] public double? Minimum { get; set; }
    [JsonPropertyName("nullable")] public bool? Nullable { get; set; }
    [JsonPropertyName("pattern")] public string? Pattern { get; set; }
    [JsonPropertyName("properties")] public SortedDictionary<string, JsonSchemaProps>? Properties { get; set; }
    [JsonPropertyName("required")] public List<string>? Required { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("x-kubernetes-embedded-resource")] public bool? XKubernetesEmbeddedResource { get; set; }
    [JsonPropertyName("x-kubernetes-int-or-string")] public bool? XKubernetesIntOrString { get; set; }
    [JsonPropertyName("x-kubernetes-list-map-keys")] public List<string>? XKubernetesListMapKeys { get; set; }
    [JsonPropertyName("x-kubernetes-list-type")] public string? XKubernetesListType { get; set; }
    [JsonPropertyName("x-kubernetes-map-type")] public string? XKubernetesMapType { get; set; }
    [JsonPropertyName("x-kubernetes-preserve-unknown-fields")] public bool? XKubernetesPreserveUnknownFields { get; set; }
    [JsonPropertyName("x-kubernetes-validations")] public List<ValidationRule>? XKubernetesValidations { get; set; }

    /// <summary>Fields a newer API server may add (e.g. `title`, `example`); kept so nothing is lost on write.</summary>
    [JsonExtensionData] public Dictionary<string, System.Text.Json.JsonElement>? ExtensionData { get; set; }
}

/// <summary>One `x-kubernetes-validations` entry (a CEL rule).</summary>
public sealed class ValidationRule
{
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("messageExpression")] public string? MessageExpression { get; set; }
    [JsonPropertyName("reason")] public string? Reason { get; set; }
    [JsonPropertyName("fieldPath")] public string? FieldPath { get; set; }
    [JsonPropertyName("optionalOldSelf")] public bool? OptionalOldSelf { get; set; }
    [JsonPropertyName("rule")] public required string Rule { get; set; }
}
