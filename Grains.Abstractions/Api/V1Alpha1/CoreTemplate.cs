using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>Global-component defaults (topology server, multiadmin, multiadmin-web); no status.</summary>
[CustomResource(ApiConstants.Group, ApiConstants.Version, ApiConstants.CoreTemplateKind, "coretemplates",
    ShortNames = ["cot"])]
public sealed record CoreTemplate : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = ApiConstants.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ApiConstants.CoreTemplateKind;

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; init; } = new();

    /// <summary>Never null: an object stored without a spec reads as an empty one.</summary>
    [JsonPropertyName("spec")]
    public CoreTemplateSpec Spec { get; init; } = new();
}

public sealed record CoreTemplateSpec
{
    [JsonPropertyName("globalTopoServer")]
    public TopoServerSpec? GlobalTopoServer { get; init; }

    [JsonPropertyName("multiadmin")]
    public StatelessSpec? Multiadmin { get; init; }

    [JsonPropertyName("multiadminPlacement")]
    public PodPlacementSpec? MultiadminPlacement { get; init; }

    [JsonPropertyName("multiadminWeb")]
    public StatelessSpec? MultiadminWeb { get; init; }
}
