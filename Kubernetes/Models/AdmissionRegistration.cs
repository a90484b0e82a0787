using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

// admissionregistration.k8s.io/v1 webhook configurations. An operator typically patches only
// the caBundle of its own webhooks, so the webhook entries type what that needs.

public sealed class MutatingWebhookConfiguration : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "admissionregistration.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "MutatingWebhookConfiguration";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("webhooks")] public List<Webhook>? Webhooks { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ValidatingWebhookConfiguration : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "admissionregistration.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "ValidatingWebhookConfiguration";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("webhooks")] public List<Webhook>? Webhooks { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A mutating or validating webhook entry (the shared fields; kind-specific ones are kept).</summary>
public sealed class Webhook
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("clientConfig")] public WebhookClientConfig ClientConfig { get; set; } = new();
    [JsonPropertyName("rules")] public List<JsonObject>? Rules { get; set; }
    [JsonPropertyName("admissionReviewVersions")] public List<string>? AdmissionReviewVersions { get; set; }
    [JsonPropertyName("sideEffects")] public string? SideEffects { get; set; }
    [JsonPropertyName("failurePolicy")] public string? FailurePolicy { get; set; }
    [JsonPropertyName("timeoutSeconds")] public int? TimeoutSeconds { get; set; }
    [JsonPropertyName("namespaceSelector")] public LabelSelector? NamespaceSelector { get; set; }
    [JsonPropertyName("objectSelector")] public LabelSelector? ObjectSelector { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class WebhookClientConfig
{
    [JsonPropertyName("url")] public string? Url { get; set; }
    [JsonPropertyName("service")] public JsonObject? Service { get; set; }

    /// <summary>PEM bundle, base64 on the wire.</summary>
    [JsonPropertyName("caBundle")] public byte[]? CaBundle { get; set; }
}
