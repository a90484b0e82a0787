using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

// pgBackRest configuration (§1.1, §8). The same BackupConfig appears on the cluster, databases,
// table groups, shards and children, and carries its rules everywhere.

/// <summary>
/// The third rule is a transition rule: it is evaluated only on UPDATE when the old object has
/// this BackupConfig too, so encryption can be chosen at creation and never changed afterwards.
/// </summary>
[XValidation("self.type != 's3' || has(self.s3)", "s3 config is required when type is 's3'")]
[XValidation("self.type != 'filesystem' || has(self.filesystem)", "filesystem config is required when type is 'filesystem'")]
[XValidation(
    "has(self.encryption) == has(oldSelf.encryption) && (!has(self.encryption) || self.encryption == oldSelf.encryption)",
    "encryption is immutable and cannot be added, removed, or changed after creation")]
public sealed record BackupConfig
{
    [JsonPropertyName("type")]
    public required BackupType Type { get; init; }

    [JsonPropertyName("filesystem")]
    public FilesystemBackupConfig? Filesystem { get; init; }

    [JsonPropertyName("s3")]
    public S3BackupConfig? S3 { get; init; }

    [JsonPropertyName("pgbackrestTLS")]
    public PgBackRestTLSConfig? PgBackRestTls { get; init; }

    [JsonPropertyName("encryption")]
    public BackupEncryptionConfig? Encryption { get; init; }
}

/// <summary>A PVC-backed repository; one volume per shard, shared by all its pools and cells.</summary>
public sealed record FilesystemBackupConfig
{
    [JsonPropertyName("path")]
    public string? Path { get; init; }

    [JsonPropertyName("storage")]
    public StorageSpec? Storage { get; init; }
}

[XValidation(
    "!(has(self.serviceAccountName) && size(self.serviceAccountName) > 0 && has(self.credentialsSecret) && size(self.credentialsSecret) > 0)",
    "serviceAccountName and credentialsSecret are mutually exclusive")]
[XValidation(
    "!(has(self.serviceAccountName) && size(self.serviceAccountName) > 0 && has(self.useEnvCredentials) && self.useEnvCredentials)",
    "serviceAccountName and useEnvCredentials are mutually exclusive \u2014 IRSA credentials are handled automatically")]
public sealed record S3BackupConfig
{
    [JsonPropertyName("bucket"), MinLength(1)]
    public required string Bucket { get; init; }

    [JsonPropertyName("region"), MinLength(1)]
    public required string Region { get; init; }

    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; init; }

    [JsonPropertyName("keyPrefix")]
    public string? KeyPrefix { get; init; }

    [JsonPropertyName("useEnvCredentials")]
    public bool? UseEnvCredentials { get; init; }

    /// <summary>A Secret with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.</summary>
    [JsonPropertyName("credentialsSecret")]
    public string? CredentialsSecret { get; init; }

    /// <summary>An IRSA ServiceAccount the user creates; the operator never does.</summary>
    [JsonPropertyName("serviceAccountName")]
    public string? ServiceAccountName { get; init; }
}

/// <summary>
/// pgBackRest server TLS: a user Secret with ca.crt, tls.crt and tls.key, or (when empty)
/// operator-generated certificates.
/// </summary>
public sealed record PgBackRestTLSConfig
{
    [JsonPropertyName("secretName")]
    public string? SecretName { get; init; }
}

/// <summary>
/// Client-side repository encryption: the Secret's <c>keys.json</c> maps repository generation to
/// passphrase, e.g. <c>{"1": "…"}</c> (§8.4).
/// </summary>
public sealed record BackupEncryptionConfig
{
    [JsonPropertyName("secretName"), MinLength(1)]
    public required string SecretName { get; init; }
}
