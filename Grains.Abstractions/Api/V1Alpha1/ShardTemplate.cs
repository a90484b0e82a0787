using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>Shard defaults (multiorch, pools, postgres config); no status.</summary>
[CustomResource(ApiConstants.Group, ApiConstants.Version, ApiConstants.ShardTemplateKind, "shardtemplates",
    ShortNames = ["sht"])]
public sealed record ShardTemplate : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = ApiConstants.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ApiConstants.ShardTemplateKind;

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; init; } = new();

    /// <summary>Never null: an object stored without a spec reads as an empty one.</summary>
    [JsonPropertyName("spec")]
    public ShardTemplateSpec Spec { get; init; } = new();
}

/// <summary>Like ShardInlineSpec, but template pool names may be up to 62 characters.</summary>
public sealed record ShardTemplateSpec
{
    [JsonPropertyName("multiorch")]
    public MultiorchSpec? Multiorch { get; init; }

    [JsonPropertyName("initdbArgs"), InitdbArgs]
    public string? InitdbArgs { get; init; }

    [JsonPropertyName("postgresConfigRef")]
    public PostgresConfigRef? PostgresConfigRef { get; init; }

    [JsonPropertyName("postgresConfig"), MaxProperties(200)]
    public IReadOnlyDictionary<string, string>? PostgresConfig { get; init; }

    [JsonPropertyName("pools"), MaxProperties(8)]
    [XValidation("self.all(key, size(key) < 63)", "pool names must be < 63 chars")]
    [XValidation("oldSelf.all(k, k in self)", "Pools cannot be removed or renamed in this version (Append-Only)")]
    public IReadOnlyDictionary<string, PoolSpec>? Pools { get; init; }

    [JsonPropertyName("pvcDeletionPolicy")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }
}
