using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

// apps/v1 Deployment and StatefulSet.

public sealed class Deployment : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "apps/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Deployment";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public DeploymentSpec? Spec { get; set; }
    [JsonPropertyName("status")] public WorkloadStatus? Status { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class DeploymentSpec
{
    [JsonPropertyName("replicas")] public int? Replicas { get; set; }
    [JsonPropertyName("selector")] public LabelSelector? Selector { get; set; }
    [JsonPropertyName("template")] public PodTemplateSpec Template { get; set; } = new();
    [JsonPropertyName("strategy")] public JsonObject? Strategy { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class StatefulSet : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "apps/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "StatefulSet";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public StatefulSetSpec? Spec { get; set; }
    [JsonPropertyName("status")] public WorkloadStatus? Status { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class StatefulSetSpec
{
    [JsonPropertyName("replicas")] public int? Replicas { get; set; }
    [JsonPropertyName("selector")] public LabelSelector? Selector { get; set; }
    [JsonPropertyName("serviceName")] public string? ServiceName { get; set; }
    [JsonPropertyName("template")] public PodTemplateSpec Template { get; set; } = new();
    [JsonPropertyName("volumeClaimTemplates")] public List<PersistentVolumeClaim>? VolumeClaimTemplates { get; set; }
    [JsonPropertyName("podManagementPolicy")] public string? PodManagementPolicy { get; set; }
    [JsonPropertyName("updateStrategy")] public JsonObject? UpdateStrategy { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The status fields Deployments and StatefulSets share; kind-specific ones are kept.</summary>
public sealed class WorkloadStatus
{
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }
    [JsonPropertyName("replicas")] public int? Replicas { get; set; }
    [JsonPropertyName("readyReplicas")] public int? ReadyReplicas { get; set; }
    [JsonPropertyName("availableReplicas")] public int? AvailableReplicas { get; set; }
    [JsonPropertyName("updatedReplicas")] public int? UpdatedReplicas { get; set; }
    [JsonPropertyName("conditions")] public List<JsonObject>? Conditions { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
