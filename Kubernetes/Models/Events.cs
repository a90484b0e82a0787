using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>events.k8s.io/v1 Event: the current event API (the one controller-runtime's recorder writes).</summary>
public sealed class EventV1 : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "events.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Event";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Required by the API server, with microsecond precision.</summary>
    [JsonPropertyName("eventTime"), JsonConverter(typeof(KubernetesMicroTimeConverter))]
    public DateTimeOffset EventTime { get; set; }

    [JsonPropertyName("action")] public string? Action { get; set; }
    [JsonPropertyName("reason")] public string? Reason { get; set; }
    [JsonPropertyName("note")] public string? Note { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("regarding")] public ObjectReference? Regarding { get; set; }
    [JsonPropertyName("related")] public ObjectReference? Related { get; set; }
    [JsonPropertyName("reportingController")] public string? ReportingController { get; set; }
    [JsonPropertyName("reportingInstance")] public string? ReportingInstance { get; set; }
    [JsonPropertyName("series")] public EventSeries? Series { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class EventSeries
{
    [JsonPropertyName("count")] public int Count { get; set; }

    [JsonPropertyName("lastObservedTime"), JsonConverter(typeof(KubernetesMicroTimeConverter))]
    public DateTimeOffset LastObservedTime { get; set; }
}
