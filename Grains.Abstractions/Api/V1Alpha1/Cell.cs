using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>One failure domain of a cluster: its gateways and optional local topology. Operator-written.</summary>
[CustomResource(ApiConstants.Group, ApiConstants.Version, ApiConstants.CellKind, "cells",
    ShortNames = ["cel"], StatusSubresource = true)]
[PrinterColumn("Gateway", "integer", ".status.gatewayReadyReplicas")]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type=='Available')].status")]
[PrinterColumn("Phase", "string", ".status.phase")]
public sealed record Cell : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = ApiConstants.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ApiConstants.CellKind;

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; init; } = new();

    [JsonPropertyName("spec")]
    public required CellSpec Spec { get; init; }

    [JsonPropertyName("status")]
    public CellStatus? Status { get; init; }
}

[XValidation("!(has(self.zoneId) && has(self.region))", "cannot specify both 'zoneId' and 'region'")]
[XValidation("has(self.zoneId) || has(self.region)", "at least one of 'zoneId' or 'region' must be specified")]
public sealed record CellSpec
{
    [JsonPropertyName("name"), CellName]
    public required string Name { get; init; }

    [JsonPropertyName("zoneId"), ZoneId]
    public string? ZoneId { get; init; }

    [JsonPropertyName("region"), Region]
    public string? Region { get; init; }

    [JsonPropertyName("images")]
    public required CellImages Images { get; init; }

    [JsonPropertyName("multigateway")]
    public required MultigatewaySpec Multigateway { get; init; }

    [JsonPropertyName("multigatewayPlacement")]
    public PodPlacementSpec? MultigatewayPlacement { get; init; }

    [JsonPropertyName("globalTopoServer")]
    public required GlobalTopoServerRef GlobalTopoServer { get; init; }

    /// <summary>The cell's local topology server, when it has one (§6.3.1).</summary>
    [JsonPropertyName("topoServer")]
    public LocalTopoServerSpec? TopoServer { get; init; }

    /// <summary>Every cell of the cluster, for discovery.</summary>
    [JsonPropertyName("allCells"), ListType("set"), MaxItems(50), CellName]
    public IReadOnlyList<string>? AllCells { get; init; }

    [JsonPropertyName("topologyReconciliation")]
    public TopologyReconciliation? TopologyReconciliation { get; init; }

    [JsonPropertyName("observability")]
    public ObservabilityConfig? Observability { get; init; }

    [JsonPropertyName("logLevels")]
    public ComponentLogLevels? LogLevels { get; init; }

    [JsonPropertyName("internalTLS")]
    public InternalTLSConfig? InternalTls { get; init; }

    [JsonPropertyName("certCommonName")]
    public string? CertCommonName { get; init; }
}

public sealed record CellImages
{
    /// <summary>Propagated but never applied to a container (§16.3).</summary>
    [JsonPropertyName("imagePullPolicy")]
    public PullPolicy? ImagePullPolicy { get; init; }

    [JsonPropertyName("imagePullSecrets")]
    public IReadOnlyList<LocalObjectReference>? ImagePullSecrets { get; init; }

    [JsonPropertyName("multigateway"), ImageRef]
    public required string Multigateway { get; init; }
}

public sealed record TopologyReconciliation
{
    [JsonPropertyName("registerCell")]
    public required bool RegisterCell { get; init; }

    /// <summary>Whether dead poolers (no backing pod) are marked LIFECYCLE_SHUTDOWN.</summary>
    [JsonPropertyName("prunePoolers")]
    public required bool PrunePoolers { get; init; }
}

public sealed record CellStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; init; }

    [JsonPropertyName("conditions"), ListType("map", "type")]
    public IReadOnlyList<Condition>? Conditions { get; init; }

    [JsonPropertyName("phase")]
    public Phase? Phase { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("gatewayReplicas")]
    public required int GatewayReplicas { get; init; }

    [JsonPropertyName("gatewayReadyReplicas")]
    public required int GatewayReadyReplicas { get; init; }

    [JsonPropertyName("gatewayServiceName"), MaxLength(253)]
    public string? GatewayServiceName { get; init; }
}
