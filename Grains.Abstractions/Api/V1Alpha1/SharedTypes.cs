using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

// Value types shared by several kinds (§1.1). Their validation travels with them: a CEL rule or
// bound declared here applies wherever the type is used.

/// <summary>
/// A scalable stateless component (multiadmin, multiadmin-web). Not sealed because the gateway and
/// multiorch specs embed it, as the Go types do with <c>json:",inline"</c>: its fields appear at
/// their top level on the wire.
/// </summary>
public record StatelessSpec
{
    [JsonPropertyName("replicas"), Minimum(0), Maximum(128)]
    public int? Replicas { get; init; }

    [JsonPropertyName("resources")]
    public ResourceRequirements? Resources { get; init; }

    [JsonPropertyName("affinity")]
    public Affinity? Affinity { get; init; }

    [JsonPropertyName("podAnnotations"), MaxProperties(20)]
    [XValidation("self.all(k, size(k) < 64 && size(self[k]) < 256)", "annotation keys must be <64 chars and values <256 chars")]
    public IReadOnlyDictionary<string, string>? PodAnnotations { get; init; }

    [JsonPropertyName("podLabels"), MaxProperties(20)]
    [XValidation("self.all(k, size(k) < 64 && size(self[k]) < 64)", "label keys and values must be <64 chars")]
    public IReadOnlyDictionary<string, string>? PodLabels { get; init; }
}

/// <summary>The cell gateway: StatelessSpec plus failover buffering.</summary>
public sealed record MultigatewaySpec : StatelessSpec
{
    [JsonPropertyName("buffer")]
    public GatewayBufferConfig? Buffer { get; init; }
}

/// <summary>
/// Multigateway failover buffering. An unset field emits no flag, so the binary's own default
/// applies (window 10s, maxFailoverDuration 20s, minTimeBetweenFailovers 1m, size 1000,
/// drainConcurrency 1); the resolver only defaults <c>enabled</c> to true.
/// </summary>
public sealed record GatewayBufferConfig
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; init; }

    [JsonPropertyName("window"), Duration]
    public string? Window { get; init; }

    [JsonPropertyName("maxFailoverDuration"), Duration]
    public string? MaxFailoverDuration { get; init; }

    [JsonPropertyName("minTimeBetweenFailovers"), Duration]
    public string? MinTimeBetweenFailovers { get; init; }

    [JsonPropertyName("size"), Minimum(1)]
    public int? Size { get; init; }

    [JsonPropertyName("drainConcurrency"), Minimum(1)]
    public int? DrainConcurrency { get; init; }
}

/// <summary>
/// Scheduling knobs exposed only where a component needs them (today: tolerations), kept apart
/// from StatelessSpec so other components do not inherit them.
/// </summary>
public sealed record PodPlacementSpec
{
    [JsonPropertyName("tolerations")]
    public IReadOnlyList<Toleration>? Tolerations { get; init; }
}

public sealed record StorageSpec
{
    [JsonPropertyName("size"), MaxLength(63), Pattern(SchemaPatterns.StorageSize)]
    public string? Size { get; init; }

    [JsonPropertyName("class"), MinLength(1), MaxLength(63)]
    public string? Class { get; init; }

    [JsonPropertyName("accessModes")]
    public IReadOnlyList<string>? AccessModes { get; init; }
}

/// <summary>A pool container (postgres or multipooler).</summary>
public sealed record ContainerConfig
{
    [JsonPropertyName("resources")]
    public ResourceRequirements? Resources { get; init; }

    [JsonPropertyName("runAsUser"), Minimum(1)]
    public long? RunAsUser { get; init; }

    [JsonPropertyName("runAsGroup"), Minimum(0)]
    public long? RunAsGroup { get; init; }
}

/// <summary>
/// PVC lifecycle. Both fields carry schema defaults, so every policy object stored through the API
/// server has both set: a child that sets one field gets the other from the schema default, not
/// from its parent (§6.7, §16.20). The cluster-level object has its own default (Delete/Delete).
/// </summary>
public sealed record PVCDeletionPolicy
{
    [JsonPropertyName("whenDeleted"), SchemaDefault("\"Retain\"")]
    public PVCRetentionPolicyType? WhenDeleted { get; init; }

    [JsonPropertyName("whenScaled"), SchemaDefault("\"Delete\"")]
    public PVCRetentionPolicyType? WhenScaled { get; init; }
}

/// <summary>Dead-pooler marking and topology pruning; null <c>enabled</c> means enabled.</summary>
public sealed record TopologyPruningConfig
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; init; }
}

/// <summary>Internal gRPC mTLS between components; null or false means disabled.</summary>
public sealed record InternalTLSConfig
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; init; }
}

/// <summary>
/// The user's Secret holding the final superuser password. The operator reads and mounts it but
/// never owns, mutates or deletes it.
/// </summary>
public sealed record PostgresPasswordSecretRef
{
    [JsonPropertyName("name"), MinLength(1), MaxLength(253), Pattern(SchemaPatterns.DnsSubdomain)]
    public required string Name { get; init; }

    [JsonPropertyName("key"), MinLength(1), MaxLength(253), Pattern(SchemaPatterns.SecretKey)]
    public required string Key { get; init; }
}

/// <summary>
/// A ConfigMap key whose postgresql.conf lines are appended to the operator-rendered config.
/// Deprecated in favour of the inline <c>postgresConfig</c> map, still honoured.
/// </summary>
public sealed record PostgresConfigRef
{
    [JsonPropertyName("name"), MinLength(1), MaxLength(253)]
    public required string Name { get; init; }

    [JsonPropertyName("key"), MinLength(1), MaxLength(253)]
    public required string Key { get; init; }
}

/// <summary>The <c>--log-level</c> of each data-plane component; the webhook defaults each to info.</summary>
public sealed record ComponentLogLevels
{
    [JsonPropertyName("pgctld")]
    public LogLevel? Pgctld { get; init; }

    [JsonPropertyName("multipooler")]
    public LogLevel? Multipooler { get; init; }

    [JsonPropertyName("multiorch")]
    public LogLevel? Multiorch { get; init; }

    [JsonPropertyName("multiadmin")]
    public LogLevel? Multiadmin { get; init; }

    [JsonPropertyName("multigateway")]
    public LogLevel? Multigateway { get; init; }
}

/// <summary>The resolved images a TableGroup passes to its Shards.</summary>
public sealed record ShardImages
{
    /// <summary>Propagated but never applied to a container (§16.3).</summary>
    [JsonPropertyName("imagePullPolicy")]
    public PullPolicy? ImagePullPolicy { get; init; }

    [JsonPropertyName("imagePullSecrets")]
    public IReadOnlyList<LocalObjectReference>? ImagePullSecrets { get; init; }

    [JsonPropertyName("multiorch"), ImageRef]
    public required string Multiorch { get; init; }

    [JsonPropertyName("multipooler"), ImageRef]
    public required string Multipooler { get; init; }

    [JsonPropertyName("postgres"), ImageRef]
    public required string Postgres { get; init; }
}

/// <summary>Multiorch: StatelessSpec plus placement and the cells it runs in (empty = all cells).</summary>
public sealed record MultiorchSpec : StatelessSpec
{
    [JsonPropertyName("placement")]
    public PodPlacementSpec? Placement { get; init; }

    [JsonPropertyName("cells"), ListType("set"), MaxItems(50), CellName]
    public IReadOnlyList<string>? Cells { get; init; }
}

/// <summary>A data pool: pods of pgctld (postgres) + multipooler in each of its cells.</summary>
public sealed record PoolSpec
{
    [JsonPropertyName("type")]
    public PoolType? Type { get; init; }

    [JsonPropertyName("cells"), ListType("set"), MinItems(1), MaxItems(10), CellName]
    [XValidation("oldSelf.all(c, c in self)", "Cells cannot be removed from a pool (Append-Only)")]
    public IReadOnlyList<string>? Cells { get; init; }

    [JsonPropertyName("replicasPerCell"), Minimum(1), Maximum(32)]
    public int? ReplicasPerCell { get; init; }

    [JsonPropertyName("storage")]
    public StorageSpec? Storage { get; init; }

    [JsonPropertyName("postgres")]
    public ContainerConfig? Postgres { get; init; }

    [JsonPropertyName("multipooler")]
    public ContainerConfig? Multipooler { get; init; }

    [JsonPropertyName("affinity")]
    public Affinity? Affinity { get; init; }

    [JsonPropertyName("tolerations")]
    public IReadOnlyList<Toleration>? Tolerations { get; init; }

    /// <summary>Pod-level fsGroup only; it does not pin the containers' UID/GID.</summary>
    [JsonPropertyName("fsGroup"), Minimum(1)]
    public long? FsGroup { get; init; }

    [JsonPropertyName("pvcDeletionPolicy")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }
}
