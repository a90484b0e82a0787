using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>Cell defaults (gateway, local topology server); no status.</summary>
[CustomResource(ApiConstants.Group, ApiConstants.Version, ApiConstants.CellTemplateKind, "celltemplates",
    ShortNames = ["cet"])]
public sealed record CellTemplate : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = ApiConstants.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ApiConstants.CellTemplateKind;

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; init; } = new();

    /// <summary>Never null: an object stored without a spec reads as an empty one.</summary>
    [JsonPropertyName("spec")]
    public CellTemplateSpec Spec { get; init; } = new();
}

public sealed record CellTemplateSpec
{
    [JsonPropertyName("multigateway")]
    public MultigatewaySpec? Multigateway { get; init; }

    [JsonPropertyName("multigatewayPlacement")]
    public PodPlacementSpec? MultigatewayPlacement { get; init; }

    [JsonPropertyName("localTopoServer")]
    public LocalTopoServerSpec? LocalTopoServer { get; init; }
}
