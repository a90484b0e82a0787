using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>Anything with apiVersion, kind and metadata: the shape every API object shares.</summary>
public interface IKubernetesObject
{
    string ApiVersion { get; }
    string Kind { get; }
    ObjectMeta Metadata { get; }
}

/// <summary>
/// metav1.ObjectMeta. Unknown fields are kept in <see cref="ExtensionData"/> so an object read from
/// a newer API server is written back without losing what this client does not model.
/// </summary>
public sealed class ObjectMeta
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("generateName")] public string? GenerateName { get; set; }
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
    [JsonPropertyName("uid")] public string? Uid { get; set; }
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }
    [JsonPropertyName("generation")] public long? Generation { get; set; }
    [JsonPropertyName("creationTimestamp")] public DateTimeOffset? CreationTimestamp { get; set; }
    [JsonPropertyName("deletionTimestamp")] public DateTimeOffset? DeletionTimestamp { get; set; }
    [JsonPropertyName("deletionGracePeriodSeconds")] public long? DeletionGracePeriodSeconds { get; set; }
    [JsonPropertyName("labels")] public Dictionary<string, string>? Labels { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("ownerReferences")] public List<OwnerReference>? OwnerReferences { get; set; }
    [JsonPropertyName("finalizers")] public List<string>? Finalizers { get; set; }
    [JsonPropertyName("managedFields")] public List<ManagedFieldsEntry>? ManagedFields { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>metav1.OwnerReference.</summary>
public sealed class OwnerReference
{
    [JsonPropertyName("apiVersion")] public required string ApiVersion { get; set; }
    [JsonPropertyName("kind")] public required string Kind { get; set; }
    [JsonPropertyName("name")] public required string Name { get; set; }
    [JsonPropertyName("uid")] public required string Uid { get; set; }
    [JsonPropertyName("controller")] public bool? Controller { get; set; }
    [JsonPropertyName("blockOwnerDeletion")] public bool? BlockOwnerDeletion { get; set; }
}

/// <summary>metav1.ManagedFieldsEntry: which field manager owns which fields (server-side apply).</summary>
public sealed class ManagedFieldsEntry
{
    [JsonPropertyName("manager")] public string? Manager { get; set; }
    [JsonPropertyName("operation")] public string? Operation { get; set; }
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
    [JsonPropertyName("time")] public DateTimeOffset? Time { get; set; }
    [JsonPropertyName("fieldsType")] public string? FieldsType { get; set; }
    [JsonPropertyName("fieldsV1")] public JsonElement? FieldsV1 { get; set; }
    [JsonPropertyName("subresource")] public string? Subresource { get; set; }
}
