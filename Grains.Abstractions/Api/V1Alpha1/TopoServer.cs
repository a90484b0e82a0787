using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>
/// The managed etcd of the global topology (<c>&lt;cluster&gt;-global-topo</c>) or of a cell's
/// local topology. Operator-written.
/// </summary>
[CustomResource(ApiConstants.Group, ApiConstants.Version, ApiConstants.TopoServerKind, "toposervers",
    ShortNames = ["tps"], StatusSubresource = true)]
// Deliberate deviation (spec §16.10): the reference's "Ready" column reads the `Available`
// condition, which the TopoServer controller never sets, so it was always blank. We read the
// `Ready` condition the controller does set.
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type=='Ready')].status")]
[PrinterColumn("Phase", "string", ".status.phase")]
public sealed record TopoServer : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = ApiConstants.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ApiConstants.TopoServerKind;

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; init; } = new();

    /// <summary>Never null: an object stored without a spec reads as an empty one.</summary>
    [JsonPropertyName("spec")]
    public TopoServerSpec Spec { get; init; } = new();

    [JsonPropertyName("status")]
    public TopoServerStatus? Status { get; init; }
}

public sealed record TopoServerStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; init; }

    [JsonPropertyName("conditions"), ListType("map", "type")]
    public IReadOnlyList<Condition>? Conditions { get; init; }

    [JsonPropertyName("phase")]
    public Phase? Phase { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("clientService")]
    public string? ClientService { get; init; }

    [JsonPropertyName("peerService")]
    public string? PeerService { get; init; }
}
