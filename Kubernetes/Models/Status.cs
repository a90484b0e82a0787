using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

// meta/v1 types that travel around objects rather than inside them: the Status an API server
// answers errors with, list metadata, delete options and the autoscaling/v1 Scale subresource.

/// <summary>metav1.Status: the body of every API error and of some delete responses.</summary>
public sealed class Status
{
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Status";
    [JsonPropertyName("metadata")] public ListMeta? Metadata { get; set; }

    /// <summary>"Success" or "Failure".</summary>
    [JsonPropertyName("status")] public string? Result { get; set; }

    [JsonPropertyName("message")] public string? Message { get; set; }

    /// <summary>Machine-readable reason (NotFound, AlreadyExists, Conflict, Invalid, Expired, …).</summary>
    [JsonPropertyName("reason")] public string? Reason { get; set; }

    [JsonPropertyName("details")] public StatusDetails? Details { get; set; }
    [JsonPropertyName("code")] public int? Code { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class StatusDetails
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("uid")] public string? Uid { get; set; }
    [JsonPropertyName("causes")] public List<StatusCause>? Causes { get; set; }
    [JsonPropertyName("retryAfterSeconds")] public int? RetryAfterSeconds { get; set; }
}

/// <summary>One field-level reason for an Invalid (422) or similar error.</summary>
public sealed record StatusCause
{
    /// <summary>e.g. FieldValueRequired, FieldValueInvalid, FieldValueDuplicate.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; init; }

    [JsonPropertyName("message")] public string? Message { get; init; }

    /// <summary>The JSON path of the offending field, e.g. <c>spec.replicas</c>.</summary>
    [JsonPropertyName("field")] public string? Field { get; init; }
}

/// <summary>metav1.ListMeta.</summary>
public sealed class ListMeta
{
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }
    [JsonPropertyName("continue")] public string? Continue { get; set; }
    [JsonPropertyName("remainingItemCount")] public long? RemainingItemCount { get; set; }
    [JsonPropertyName("selfLink")] public string? SelfLink { get; set; }
}

/// <summary>metav1.Preconditions: the delete is refused (409) unless these still hold.</summary>
public sealed record Preconditions
{
    [JsonPropertyName("uid")] public string? Uid { get; init; }
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; init; }
}

/// <summary>metav1.DeleteOptions as sent in a DELETE body.</summary>
public sealed class DeleteOptionsBody
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "DeleteOptions";
    [JsonPropertyName("gracePeriodSeconds")] public long? GracePeriodSeconds { get; set; }
    [JsonPropertyName("preconditions")] public Preconditions? Preconditions { get; set; }
    [JsonPropertyName("propagationPolicy")] public string? PropagationPolicy { get; set; }
    [JsonPropertyName("dryRun")] public List<string>? DryRun { get; set; }
}

/// <summary>autoscaling/v1 Scale: the `scale` subresource of Deployments, StatefulSets and CRs that enable it.</summary>
public sealed class Scale : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "autoscaling/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Scale";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ScaleSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public ScaleStatus? Status { get; set; }
}

public sealed class ScaleSpec
{
    [JsonPropertyName("replicas")] public int? Replicas { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ScaleStatus
{
    [JsonPropertyName("replicas")] public int Replicas { get; set; }
    [JsonPropertyName("selector")] public string? Selector { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>
/// Any object whose kind this library does not model, typed only as far as every object goes
/// (apiVersion, kind, metadata); everything else rides along untouched in <see cref="Fields"/>.
/// </summary>
public sealed class GenericObject : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    // JsonElement values, not a JsonObject: the source generator writes JsonObject extension
    // data as a nested object, which is invalid JSON (caught by ModelRoundTripTests).
    [JsonExtensionData] public Dictionary<string, JsonElement>? Fields { get; set; }
}
