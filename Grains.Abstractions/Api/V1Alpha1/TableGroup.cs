using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>
/// One (database, table group) of a cluster, holding fully resolved shard specs that it turns into
/// Shard children. Operator-written.
/// </summary>
[CustomResource(ApiConstants.Group, ApiConstants.Version, ApiConstants.TableGroupKind, "tablegroups",
    ShortNames = ["tbg"], StatusSubresource = true)]
[PrinterColumn("Shards", "integer", ".status.readyShards")]
[PrinterColumn("Phase", "string", ".status.phase")]
public sealed record TableGroup : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = ApiConstants.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ApiConstants.TableGroupKind;

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; init; } = new();

    [JsonPropertyName("spec")]
    public required TableGroupSpec Spec { get; init; }

    [JsonPropertyName("status")]
    public TableGroupStatus? Status { get; init; }
}

public sealed record TableGroupSpec
{
    [JsonPropertyName("databaseName"), DatabaseName]
    public required string DatabaseName { get; init; }

    [JsonPropertyName("tableGroupName"), TableGroupName]
    public required string TableGroupName { get; init; }

    [JsonPropertyName("default")]
    public bool? IsDefault { get; init; }

    [JsonPropertyName("images")]
    public required ShardImages Images { get; init; }

    [JsonPropertyName("globalTopoServer")]
    public required GlobalTopoServerRef GlobalTopoServer { get; init; }

    [JsonPropertyName("shards"), ListType("map", "name"), MaxItems(32)]
    public required IReadOnlyList<ShardResolvedSpec> Shards { get; init; }

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

    /// <summary>Cell name → node-selector labels of that cell, so shards need not read Cell CRs.</summary>
    [JsonPropertyName("cellTopologyLabels")]
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? CellTopologyLabels { get; init; }

    [JsonPropertyName("topologyPruning")]
    public TopologyPruningConfig? TopologyPruning { get; init; }

    [JsonPropertyName("durabilityPolicy")]
    public string? DurabilityPolicy { get; init; }

    [JsonPropertyName("postgresSuperuser"), MaxLength(63)]
    public string? PostgresSuperuser { get; init; }

    [JsonPropertyName("postgresPasswordSecretRef")]
    public required PostgresPasswordSecretRef PostgresPasswordSecretRef { get; init; }
}

/// <summary>
/// A shard after template merge and defaulting, as the TableGroup carries it. Pool names may be up
/// to 62 characters; the pools' own append-only cells rule still applies.
/// </summary>
public sealed record ShardResolvedSpec
{
    [JsonPropertyName("name"), MaxLength(63)]
    public required string Name { get; init; }

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

    [JsonPropertyName("backup")]
    public BackupConfig? Backup { get; init; }
}

public sealed record TableGroupStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; init; }

    [JsonPropertyName("conditions"), ListType("map", "type")]
    public IReadOnlyList<Condition>? Conditions { get; init; }

    [JsonPropertyName("phase")]
    public Phase? Phase { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("readyShards")]
    public required int ReadyShards { get; init; }

    [JsonPropertyName("totalShards")]
    public required int TotalShards { get; init; }
}
