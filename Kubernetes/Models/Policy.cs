using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>policy/v1 PodDisruptionBudget.</summary>
public sealed class PodDisruptionBudget : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "policy/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "PodDisruptionBudget";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public PodDisruptionBudgetSpec? Spec { get; set; }
    [JsonPropertyName("status")] public PodDisruptionBudgetStatus? Status { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PodDisruptionBudgetSpec
{
    /// <summary>IntOrString (a count or a percentage such as "50%").</summary>
    [JsonPropertyName("maxUnavailable")] public JsonNode? MaxUnavailable { get; set; }

    /// <summary>IntOrString (a count or a percentage such as "50%").</summary>
    [JsonPropertyName("minAvailable")] public JsonNode? MinAvailable { get; set; }

    [JsonPropertyName("selector")] public LabelSelector? Selector { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PodDisruptionBudgetStatus
{
    [JsonPropertyName("currentHealthy")] public int CurrentHealthy { get; set; }
    [JsonPropertyName("desiredHealthy")] public int DesiredHealthy { get; set; }
    [JsonPropertyName("disruptionsAllowed")] public int DisruptionsAllowed { get; set; }
    [JsonPropertyName("expectedPods")] public int ExpectedPods { get; set; }
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
