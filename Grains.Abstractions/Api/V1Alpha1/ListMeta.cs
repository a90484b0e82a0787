using System.Text.Json.Serialization;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>meta/v1 ListMeta: the metadata of a list response.</summary>
public sealed record ListMeta
{
    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; init; }

    [JsonPropertyName("continue")]
    public string? Continue { get; init; }

    [JsonPropertyName("remainingItemCount")]
    public long? RemainingItemCount { get; init; }
}
