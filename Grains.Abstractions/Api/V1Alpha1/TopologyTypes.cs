using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

// Topology-server (etcd) configuration shared by the cluster, the templates and the children.

/// <summary>A managed etcd cluster.</summary>
public sealed record EtcdSpec
{
    [JsonPropertyName("image"), ImageRef]
    public string? Image { get; init; }

    /// <summary>Odd only: an even member count tolerates no more failures than the next lower odd one.</summary>
    [JsonPropertyName("replicas"), Minimum(1)]
    [XValidation("self % 2 == 1", "etcd replicas must be an odd number (1, 3, 5); even numbers provide no additional fault tolerance over the next lower odd number")]
    public int? Replicas { get; init; }

    [JsonPropertyName("storage")]
    public StorageSpec? Storage { get; init; }

    [JsonPropertyName("resources")]
    public ResourceRequirements? Resources { get; init; }

    [JsonPropertyName("rootPath"), MinLength(1), MaxLength(512)]
    public string? RootPath { get; init; }

    [JsonPropertyName("pvcDeletionPolicy")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }
}

/// <summary>An unmanaged topology server. caSecret and clientCertSecret are accepted but unused.</summary>
public sealed record ExternalTopoServerSpec
{
    [JsonPropertyName("endpoints"), MinItems(1), MaxItems(20), ListType("set"), EndpointUrl]
    [XValidation("self.all(x, x.matches('^https?://'))", "endpoints must be valid URLs")]
    public required IReadOnlyList<string> Endpoints { get; init; }

    [JsonPropertyName("implementation")]
    public string? Implementation { get; init; }

    [JsonPropertyName("caSecret"), MaxLength(253)]
    public string? CaSecret { get; init; }

    [JsonPropertyName("clientCertSecret"), MaxLength(253)]
    public string? ClientCertSecret { get; init; }

    [JsonPropertyName("rootPath"), MinLength(1), MaxLength(512)]
    public string? RootPath { get; init; }
}

/// <summary>A cell-local topology server: managed etcd or external, exactly one.</summary>
[XValidation("has(self.etcd) || has(self.external)", "must specify either 'etcd' or 'external'")]
[XValidation("!(has(self.etcd) && has(self.external))", "only one of 'etcd' or 'external' can be set")]
public sealed record LocalTopoServerSpec
{
    [JsonPropertyName("etcd")]
    public EtcdSpec? Etcd { get; init; }

    [JsonPropertyName("external")]
    public ExternalTopoServerSpec? External { get; init; }
}

/// <summary>Where the children find the global topology (always filled by the resolver).</summary>
public sealed record GlobalTopoServerRef
{
    [JsonPropertyName("address"), MinLength(1), MaxLength(512)]
    public required string Address { get; init; }

    [JsonPropertyName("rootPath"), MinLength(1), MaxLength(512)]
    public required string RootPath { get; init; }

    [JsonPropertyName("implementation"), MinLength(1), MaxLength(63)]
    public required string Implementation { get; init; }
}

/// <summary>
/// A managed etcd topology server: the TopoServer child's spec and CoreTemplate's
/// <c>globalTopoServer</c>. Its rule applies in both places.
/// </summary>
[XValidation("has(self.etcd)", "must specify 'etcd' configuration")]
public sealed record TopoServerSpec
{
    [JsonPropertyName("etcd")]
    public EtcdSpec? Etcd { get; init; }

    [JsonPropertyName("pvcDeletionPolicy")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }

    /// <summary>Tolerations for the etcd pods.</summary>
    [JsonPropertyName("placement")]
    public PodPlacementSpec? Placement { get; init; }
}
