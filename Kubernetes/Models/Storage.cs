using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>storage.k8s.io/v1 StorageClass (cluster-scoped; its fields sit at the top level, there is no spec).</summary>
public sealed class StorageClass : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "storage.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "StorageClass";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("provisioner")] public string Provisioner { get; set; } = "";
    [JsonPropertyName("parameters")] public Dictionary<string, string>? Parameters { get; set; }
    [JsonPropertyName("reclaimPolicy")] public string? ReclaimPolicy { get; set; }
    [JsonPropertyName("allowVolumeExpansion")] public bool? AllowVolumeExpansion { get; set; }
    [JsonPropertyName("volumeBindingMode")] public string? VolumeBindingMode { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
