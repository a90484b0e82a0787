using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>
/// One shard: its multiorch per cell and its pool pods. Operator-written. The scale subresource
/// exposes <c>spec.replicas</c>, which is derived and ignored by the shard controller (§16.29).
/// </summary>
[CustomResource(ApiConstants.Group, ApiConstants.Version, ApiConstants.ShardKind, "shards",
    ShortNames = ["srd"], StatusSubresource = true,
    ScaleSpecReplicasPath = ".spec.replicas", ScaleStatusReplicasPath = ".status.readyReplicas")]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type=='Available')].status")]
[PrinterColumn("Phase", "string", ".status.phase")]
public sealed record Shard : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = ApiConstants.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ApiConstants.ShardKind;

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; init; } = new();

    [JsonPropertyName("spec")]
    public required ShardSpec Spec { get; init; }

    [JsonPropertyName("status")]
    public ShardStatus? Status { get; init; }
}

/// <summary>The identity fields are mutable at the API level (§16.15); the child webhook protects them.</summary>
public sealed record ShardSpec
{
    [JsonPropertyName("databaseName"), DatabaseName]
    public required string DatabaseName { get; init; }

    [JsonPropertyName("tableGroupName"), TableGroupName]
    public required string TableGroupName { get; init; }

    [JsonPropertyName("shardName"), ShardName]
    public required string ShardName { get; init; }

    [JsonPropertyName("images")]
    public required ShardImages Images { get; init; }

    [JsonPropertyName("globalTopoServer")]
    public required GlobalTopoServerRef GlobalTopoServer { get; init; }

    [JsonPropertyName("multiorch")]
    public required MultiorchSpec Multiorch { get; init; }

    [JsonPropertyName("initdbArgs"), InitdbArgs]
    public string? InitdbArgs { get; init; }

    [JsonPropertyName("postgresConfigRef")]
    public PostgresConfigRef? PostgresConfigRef { get; init; }

    [JsonPropertyName("postgresConfig"), MaxProperties(200)]
    public IReadOnlyDictionary<string, string>? PostgresConfig { get; init; }

    [JsonPropertyName("pools"), MaxProperties(8)]
    [XValidation("self.all(key, size(key) < 63)", "pool names must be < 63 chars")]
    public required IReadOnlyDictionary<string, PoolSpec> Pools { get; init; }

    [JsonPropertyName("pvcDeletionPolicy")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }

    [JsonPropertyName("internalTLS")]
    public InternalTLSConfig? InternalTls { get; init; }

    [JsonPropertyName("observability")]
    public ObservabilityConfig? Observability { get; init; }

    [JsonPropertyName("logLevels")]
    public ComponentLogLevels? LogLevels { get; init; }

    [JsonPropertyName("backup")]
    public BackupConfig? Backup { get; init; }

    [JsonPropertyName("topologyPruning")]
    public TopologyPruningConfig? TopologyPruning { get; init; }

    [JsonPropertyName("durabilityPolicy")]
    public string? DurabilityPolicy { get; init; }

    [JsonPropertyName("postgresSuperuser"), MaxLength(63)]
    public string? PostgresSuperuser { get; init; }

    [JsonPropertyName("postgresPasswordSecretRef")]
    public required PostgresPasswordSecretRef PostgresPasswordSecretRef { get; init; }

    /// <summary>Cell name → node-selector labels of that cell.</summary>
    [JsonPropertyName("cellTopologyLabels")]
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? CellTopologyLabels { get; init; }

    /// <summary>Sum over pools of replicasPerCell × number of cells (null replicasPerCell counts as 1).</summary>
    [JsonPropertyName("replicas")]
    public int? Replicas { get; init; }
}

public sealed record ShardStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; init; }

    [JsonPropertyName("postgresConfig")]
    public PostgresConfigStatus? PostgresConfig { get; init; }

    [JsonPropertyName("conditions"), ListType("map", "type")]
    public IReadOnlyList<Condition>? Conditions { get; init; }

    [JsonPropertyName("phase")]
    public Phase? Phase { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("cells"), ListType("set"), MaxItems(50), CellName]
    public IReadOnlyList<string>? Cells { get; init; }

    [JsonPropertyName("orchReady")]
    public required bool OrchReady { get; init; }

    [JsonPropertyName("poolsReady")]
    public required bool PoolsReady { get; init; }

    [JsonPropertyName("lastBackupTime")]
    public DateTimeOffset? LastBackupTime { get; init; }

    [JsonPropertyName("lastBackupType")]
    public BackupKind? LastBackupType { get; init; }

    /// <summary>Pod name → PRIMARY, REPLICA or QUARANTINED.</summary>
    [JsonPropertyName("podRoles")]
    public IReadOnlyDictionary<string, string>? PodRoles { get; init; }

    [JsonPropertyName("readyReplicas")]
    public int? ReadyReplicas { get; init; }
}

/// <summary>
/// Rollout state of the rendered postgresql.conf (§6.11). Settled means inProgress false and no
/// error; the shard's observedGeneration is the freshness watermark for spec changes.
/// </summary>
public sealed record PostgresConfigStatus
{
    [JsonPropertyName("inProgress")]
    public bool? InProgress { get; init; }

    [JsonPropertyName("lastAppliedAt")]
    public DateTimeOffset? LastAppliedAt { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }
}
