using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

// core/v1 Pod. Only the fields an operator commonly reads or sets are typed; every other field
// (and anything a newer server adds) is kept in ExtensionData so a read-modify-write loses nothing.

public sealed class Pod : IKubernetesObject
{
    public const string ApiVersionValue = "v1";
    public const string KindValue = "Pod";
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = ApiVersionValue;
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindValue;
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public PodSpec? Spec { get; set; }
    [JsonPropertyName("status")] public PodStatus? Status { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 PodTemplateSpec (Deployments, StatefulSets).</summary>
public sealed class PodTemplateSpec
{
    [JsonPropertyName("metadata")] public ObjectMeta? Metadata { get; set; }
    [JsonPropertyName("spec")] public PodSpec? Spec { get; set; }
}

public sealed class PodSpec
{
    [JsonPropertyName("containers")] public List<Container> Containers { get; set; } = [];
    [JsonPropertyName("initContainers")] public List<Container>? InitContainers { get; set; }
    [JsonPropertyName("volumes")] public List<Volume>? Volumes { get; set; }
    [JsonPropertyName("nodeName")] public string? NodeName { get; set; }
    [JsonPropertyName("nodeSelector")] public Dictionary<string, string>? NodeSelector { get; set; }
    [JsonPropertyName("serviceAccountName")] public string? ServiceAccountName { get; set; }
    [JsonPropertyName("restartPolicy")] public string? RestartPolicy { get; set; }
    [JsonPropertyName("terminationGracePeriodSeconds")] public long? TerminationGracePeriodSeconds { get; set; }
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("subdomain")] public string? Subdomain { get; set; }
    [JsonPropertyName("priorityClassName")] public string? PriorityClassName { get; set; }
    [JsonPropertyName("affinity")] public Affinity? Affinity { get; set; }
    [JsonPropertyName("tolerations")] public List<Toleration>? Tolerations { get; set; }
    [JsonPropertyName("securityContext")] public JsonObject? SecurityContext { get; set; }
    [JsonPropertyName("imagePullSecrets")] public List<LocalObjectReference>? ImagePullSecrets { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Container
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("image")] public string? Image { get; set; }
    [JsonPropertyName("imagePullPolicy")] public string? ImagePullPolicy { get; set; }
    [JsonPropertyName("command")] public List<string>? Command { get; set; }
    [JsonPropertyName("args")] public List<string>? Args { get; set; }
    [JsonPropertyName("env")] public List<EnvVar>? Env { get; set; }
    [JsonPropertyName("ports")] public List<ContainerPort>? Ports { get; set; }
    [JsonPropertyName("resources")] public ResourceRequirements? Resources { get; set; }
    [JsonPropertyName("volumeMounts")] public List<VolumeMount>? VolumeMounts { get; set; }
    [JsonPropertyName("readinessProbe")] public JsonObject? ReadinessProbe { get; set; }
    [JsonPropertyName("livenessProbe")] public JsonObject? LivenessProbe { get; set; }
    [JsonPropertyName("startupProbe")] public JsonObject? StartupProbe { get; set; }
    [JsonPropertyName("securityContext")] public JsonObject? SecurityContext { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class EnvVar
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("value")] public string? Value { get; set; }
    [JsonPropertyName("valueFrom")] public JsonObject? ValueFrom { get; set; }
}

public sealed class ContainerPort
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("containerPort")] public int ContainerPortNumber { get; set; }
    [JsonPropertyName("protocol")] public string? Protocol { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class VolumeMount
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("mountPath")] public string MountPath { get; set; } = "";
    [JsonPropertyName("subPath")] public string? SubPath { get; set; }
    [JsonPropertyName("readOnly")] public bool? ReadOnly { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 Volume: the name is typed, the source (emptyDir, secret, pvc, …) is kept as sent.</summary>
public sealed class Volume
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("persistentVolumeClaim")] public JsonObject? PersistentVolumeClaim { get; set; }
    [JsonPropertyName("secret")] public JsonObject? Secret { get; set; }
    [JsonPropertyName("configMap")] public JsonObject? ConfigMap { get; set; }
    [JsonPropertyName("emptyDir")] public JsonObject? EmptyDir { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PodStatus
{
    [JsonPropertyName("phase")] public string? Phase { get; set; }
    [JsonPropertyName("conditions")] public List<PodCondition>? Conditions { get; set; }
    [JsonPropertyName("podIP")] public string? PodIP { get; set; }
    [JsonPropertyName("hostIP")] public string? HostIP { get; set; }
    [JsonPropertyName("startTime")] public DateTimeOffset? StartTime { get; set; }
    [JsonPropertyName("reason")] public string? Reason { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("containerStatuses")] public List<ContainerStatus>? ContainerStatuses { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PodCondition
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("reason")] public string? Reason { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("lastTransitionTime")] public DateTimeOffset? LastTransitionTime { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ContainerStatus
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("ready")] public bool Ready { get; set; }
    [JsonPropertyName("started")] public bool? Started { get; set; }
    [JsonPropertyName("restartCount")] public int RestartCount { get; set; }
    [JsonPropertyName("image")] public string? Image { get; set; }
    [JsonPropertyName("imageID")] public string? ImageId { get; set; }
    [JsonPropertyName("state")] public JsonObject? State { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
