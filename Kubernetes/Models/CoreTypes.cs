using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Kubernetes.Models;

// The core/v1 and meta/v1 value types that custom resources embed (scheduling, resources,
// conditions). Field names and list semantics follow the upstream Go types so that generated
// CRD schemas describe them the way controller-gen does.

/// <summary>core/v1 ResourceRequirements.</summary>
public sealed record ResourceRequirements
{
    [JsonPropertyName("claims"), ListType("map", "name")] public IReadOnlyList<ResourceClaim>? Claims { get; init; }
    [JsonPropertyName("limits")] public IReadOnlyDictionary<string, Quantity>? Limits { get; init; }
    [JsonPropertyName("requests")] public IReadOnlyDictionary<string, Quantity>? Requests { get; init; }
}

/// <summary>core/v1 ResourceClaim (a reference to a pod-level resource claim).</summary>
public sealed record ResourceClaim
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("request")] public string? Request { get; init; }
}

/// <summary>core/v1 LocalObjectReference.</summary>
[MapType("atomic")]
public sealed record LocalObjectReference
{
    [JsonPropertyName("name"), SchemaDefault("\"\"")] public string? Name { get; init; }
}

/// <summary>core/v1 Toleration.</summary>
public sealed record Toleration
{
    [JsonPropertyName("effect")] public string? Effect { get; init; }
    [JsonPropertyName("key")] public string? Key { get; init; }
    [JsonPropertyName("operator")] public string? Operator { get; init; }
    [JsonPropertyName("tolerationSeconds")] public long? TolerationSeconds { get; init; }
    [JsonPropertyName("value")] public string? Value { get; init; }
}

/// <summary>core/v1 Affinity.</summary>
public sealed record Affinity
{
    [JsonPropertyName("nodeAffinity")] public NodeAffinity? NodeAffinity { get; init; }
    [JsonPropertyName("podAffinity")] public PodAffinity? PodAffinity { get; init; }
    [JsonPropertyName("podAntiAffinity")] public PodAntiAffinity? PodAntiAffinity { get; init; }
}

public sealed record NodeAffinity
{
    [JsonPropertyName("preferredDuringSchedulingIgnoredDuringExecution"), ListType("atomic")]
    public IReadOnlyList<PreferredSchedulingTerm>? PreferredDuringSchedulingIgnoredDuringExecution { get; init; }

    [JsonPropertyName("requiredDuringSchedulingIgnoredDuringExecution")]
    public NodeSelector? RequiredDuringSchedulingIgnoredDuringExecution { get; init; }
}

[MapType("atomic")]
public sealed record NodeSelector
{
    [JsonPropertyName("nodeSelectorTerms"), ListType("atomic")]
    public required IReadOnlyList<NodeSelectorTerm> NodeSelectorTerms { get; init; }
}

[MapType("atomic")]
public sealed record NodeSelectorTerm
{
    [JsonPropertyName("matchExpressions"), ListType("atomic")] public IReadOnlyList<NodeSelectorRequirement>? MatchExpressions { get; init; }
    [JsonPropertyName("matchFields"), ListType("atomic")] public IReadOnlyList<NodeSelectorRequirement>? MatchFields { get; init; }
}

public sealed record NodeSelectorRequirement
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("operator")] public required string Operator { get; init; }
    [JsonPropertyName("values"), ListType("atomic")] public IReadOnlyList<string>? Values { get; init; }
}

public sealed record PreferredSchedulingTerm
{
    [JsonPropertyName("preference")] public required NodeSelectorTerm Preference { get; init; }
    [JsonPropertyName("weight"), Format("int32")] public required int Weight { get; init; }
}

public sealed record PodAffinity
{
    [JsonPropertyName("preferredDuringSchedulingIgnoredDuringExecution"), ListType("atomic")]
    public IReadOnlyList<WeightedPodAffinityTerm>? PreferredDuringSchedulingIgnoredDuringExecution { get; init; }

    [JsonPropertyName("requiredDuringSchedulingIgnoredDuringExecution"), ListType("atomic")]
    public IReadOnlyList<PodAffinityTerm>? RequiredDuringSchedulingIgnoredDuringExecution { get; init; }
}

public sealed record PodAntiAffinity
{
    [JsonPropertyName("preferredDuringSchedulingIgnoredDuringExecution"), ListType("atomic")]
    public IReadOnlyList<WeightedPodAffinityTerm>? PreferredDuringSchedulingIgnoredDuringExecution { get; init; }

    [JsonPropertyName("requiredDuringSchedulingIgnoredDuringExecution"), ListType("atomic")]
    public IReadOnlyList<PodAffinityTerm>? RequiredDuringSchedulingIgnoredDuringExecution { get; init; }
}

public sealed record WeightedPodAffinityTerm
{
    [JsonPropertyName("podAffinityTerm")] public required PodAffinityTerm PodAffinityTerm { get; init; }
    [JsonPropertyName("weight")] public required int Weight { get; init; }
}

public sealed record PodAffinityTerm
{
    [JsonPropertyName("labelSelector")] public LabelSelector? LabelSelector { get; init; }
    [JsonPropertyName("matchLabelKeys"), ListType("atomic")] public IReadOnlyList<string>? MatchLabelKeys { get; init; }
    [JsonPropertyName("mismatchLabelKeys"), ListType("atomic")] public IReadOnlyList<string>? MismatchLabelKeys { get; init; }
    [JsonPropertyName("namespaceSelector")] public LabelSelector? NamespaceSelector { get; init; }
    [JsonPropertyName("namespaces"), ListType("atomic")] public IReadOnlyList<string>? Namespaces { get; init; }
    [JsonPropertyName("topologyKey")] public required string TopologyKey { get; init; }
}

/// <summary>meta/v1 LabelSelector.</summary>
[MapType("atomic")]
public sealed record LabelSelector
{
    [JsonPropertyName("matchExpressions"), ListType("atomic")] public IReadOnlyList<LabelSelectorRequirement>? MatchExpressions { get; init; }
    [JsonPropertyName("matchLabels")] public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }
}

public sealed record LabelSelectorRequirement
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("operator")] public required string Operator { get; init; }
    [JsonPropertyName("values"), ListType("atomic")] public IReadOnlyList<string>? Values { get; init; }
}

/// <summary>meta/v1 Condition, with the validation Kubernetes publishes for it.</summary>
public sealed record Condition
{
    [JsonPropertyName("lastTransitionTime")] public required DateTimeOffset LastTransitionTime { get; init; }

    [JsonPropertyName("message"), MaxLength(32768)] public required string Message { get; init; }

    [JsonPropertyName("observedGeneration"), Minimum(0)] public long? ObservedGeneration { get; init; }

    [JsonPropertyName("reason"), MinLength(1), MaxLength(1024), Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")]
    public required string Reason { get; init; }

    [JsonPropertyName("status")] public required ConditionStatus Status { get; init; }

    [JsonPropertyName("type"), MaxLength(316),
     Pattern(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")]
    public required string Type { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ConditionStatus>))]
public enum ConditionStatus
{
    True,
    False,
    Unknown,
}
