using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

// core/v1 kinds other than Pod. Typed where an operator reads or writes; the rest is kept.

public sealed class PersistentVolumeClaim : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "PersistentVolumeClaim";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public PersistentVolumeClaimSpec? Spec { get; set; }
    [JsonPropertyName("status")] public PersistentVolumeClaimStatus? Status { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PersistentVolumeClaimSpec
{
    [JsonPropertyName("accessModes")] public List<string>? AccessModes { get; set; }
    [JsonPropertyName("resources")] public ResourceRequirements? Resources { get; set; }
    [JsonPropertyName("storageClassName")] public string? StorageClassName { get; set; }
    [JsonPropertyName("volumeMode")] public string? VolumeMode { get; set; }
    [JsonPropertyName("volumeName")] public string? VolumeName { get; set; }
    [JsonPropertyName("selector")] public LabelSelector? Selector { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PersistentVolumeClaimStatus
{
    [JsonPropertyName("phase")] public string? Phase { get; set; }
    [JsonPropertyName("accessModes")] public List<string>? AccessModes { get; set; }
    [JsonPropertyName("capacity")] public Dictionary<string, Quantity>? Capacity { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Service : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Service";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ServiceSpec? Spec { get; set; }
    [JsonPropertyName("status")] public JsonObject? Status { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ServiceSpec
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("selector")] public Dictionary<string, string>? Selector { get; set; }
    [JsonPropertyName("ports")] public List<ServicePort>? Ports { get; set; }
    [JsonPropertyName("clusterIP")] public string? ClusterIP { get; set; }
    [JsonPropertyName("publishNotReadyAddresses")] public bool? PublishNotReadyAddresses { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ServicePort
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("port")] public int Port { get; set; }
    [JsonPropertyName("protocol")] public string? Protocol { get; set; }

    /// <summary>IntOrString: a number or a named container port.</summary>
    [JsonPropertyName("targetPort")] public JsonNode? TargetPort { get; set; }

    [JsonPropertyName("nodePort")] public int? NodePort { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ConfigMap : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "ConfigMap";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("data")] public Dictionary<string, string>? Data { get; set; }
    [JsonPropertyName("binaryData")] public Dictionary<string, byte[]>? BinaryData { get; set; }
    [JsonPropertyName("immutable")] public bool? Immutable { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Secret : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Secret";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary>Values as bytes; the wire form is base64, which System.Text.Json maps to byte[].</summary>
    [JsonPropertyName("data")] public Dictionary<string, byte[]>? Data { get; set; }

    /// <summary>Write-only convenience: the server merges it into <see cref="Data"/>.</summary>
    [JsonPropertyName("stringData")] public Dictionary<string, string>? StringData { get; set; }

    [JsonPropertyName("immutable")] public bool? Immutable { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Namespace : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Namespace";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public JsonObject? Spec { get; set; }
    [JsonPropertyName("status")] public NamespaceStatus? Status { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class NamespaceStatus
{
    [JsonPropertyName("phase")] public string? Phase { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Node : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Node";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public NodeSpec? Spec { get; set; }
    [JsonPropertyName("status")] public NodeStatus? Status { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class NodeSpec
{
    [JsonPropertyName("unschedulable")] public bool? Unschedulable { get; set; }
    [JsonPropertyName("taints")] public List<JsonObject>? Taints { get; set; }
    [JsonPropertyName("providerID")] public string? ProviderId { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class NodeStatus
{
    [JsonPropertyName("capacity")] public Dictionary<string, Quantity>? Capacity { get; set; }
    [JsonPropertyName("allocatable")] public Dictionary<string, Quantity>? Allocatable { get; set; }
    [JsonPropertyName("conditions")] public List<PodCondition>? Conditions { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 Event (the older event API that kubectl describe still reads).</summary>
public sealed class CoreEvent : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Event";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("involvedObject")] public ObjectReference InvolvedObject { get; set; } = new();
    [JsonPropertyName("reason")] public string? Reason { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("count")] public int? Count { get; set; }
    [JsonPropertyName("firstTimestamp")] public DateTimeOffset? FirstTimestamp { get; set; }
    [JsonPropertyName("lastTimestamp")] public DateTimeOffset? LastTimestamp { get; set; }
    [JsonPropertyName("source")] public JsonObject? Source { get; set; }
    [JsonPropertyName("reportingComponent")] public string? ReportingComponent { get; set; }
    [JsonPropertyName("reportingInstance")] public string? ReportingInstance { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 ObjectReference.</summary>
public sealed class ObjectReference
{
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
    [JsonPropertyName("uid")] public string? Uid { get; set; }
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }
    [JsonPropertyName("fieldPath")] public string? FieldPath { get; set; }
}
