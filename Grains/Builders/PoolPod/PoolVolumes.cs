namespace MultigresOrleans.Grains.Builders.PoolPods;

using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The volumes of a pool pod, in the order of spec §6.6.1. Every volume source is part of the spec-hash (§6.6.5), so a
/// changed Secret name, backup claim or TLS toggle rolls the pool, and the order must never depend on map iteration.
/// </summary>
public static class PoolVolumes
{
    public const string DataVolumeName = "pgdata";
    public const string BackupVolumeName = "backup-data";
    public const string SocketVolumeName = "socket-dir";
    public const string PgHbaVolumeName = "pg-hba-template";
    public const string PasswordVolumeName = "postgres-password";
    public const string PostgresConfigVolumeName = "postgres-config";
    public const string ExporterQueriesVolumeName = "postgres-exporter-queries";
    public const string PgBackRestCertsVolumeName = "pgbackrest-certs";
    public const string CipherVolumeName = "pgbackrest-cipher";
    public const string InternalTlsVolumeName = "tls-certs";

    public const string BackupMountPath = "/backups";
    public const string SocketMountPath = "/var/run/postgresql";
    public const string PgHbaMountPath = "/etc/pgctld";
    public const string PasswordMountPath = "/etc/postgres-password";
    public const string PasswordFileName = "password";
    public const string PostgresConfigMountPath = "/etc/pgctld/postgres-config";
    public const string ExporterQueriesMountPath = "/etc/postgres-exporter";
    public const string PgBackRestCertsMountPath = "/certs/pgbackrest";
    public const string CipherMountPath = "/secrets/pgbackrest-cipher";
    public const string InternalTlsMountPath = "/etc/multigres/tls";

    /// <summary>0444: the containers do not run as the Secret's owner, and the password is only read.</summary>
    public const int ReadOnlySecretMode = 292;

    /// <summary>0440 for the pgBackRest key material: group-readable for fsGroup, not world-readable.</summary>
    public const int PgBackRestCertsMode = 288;

    /// <summary>Every volume of pool pod <paramref name="dataPvcName"/>'s pod, in the reference's order.</summary>
    public static List<Volume> Build(Shard shard, string dataPvcName)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(dataPvcName);
        var spec = shard.Spec;
        var shardCr = PoolPodMetadata.ShardCrName(shard);
        var cluster = PoolPodMetadata.ClusterName(shard);
        var ns = PoolPodMetadata.Namespace(shard);

        var volumes = new List<Volume>
        {
            new() { Name = DataVolumeName, PersistentVolumeClaim = new JsonObject { ["claimName"] = dataPvcName } },
            BackupVolume(shard, cluster),
            new() { Name = SocketVolumeName, EmptyDir = new JsonObject() },
            new() { Name = PgHbaVolumeName, ConfigMap = new JsonObject { ["name"] = ResourceNames.PgHbaConfigMapName(shardCr) } },
            new()
            {
                // The user's Secret, mounted as a file under a fixed name whatever its key: the binaries read
                // *_PASSWORD_FILE, so the value never appears in the pod spec or its environment.
                Name = PasswordVolumeName,
                Secret = new JsonObject
                {
                    ["secretName"] = spec.PostgresPasswordSecretRef.Name,
                    ["items"] = new JsonArray(new JsonObject { ["key"] = spec.PostgresPasswordSecretRef.Key, ["path"] = PasswordFileName }),
                    ["defaultMode"] = ReadOnlySecretMode,
                },
            },
            new()
            {
                Name = PostgresConfigVolumeName,
                ConfigMap = new JsonObject
                {
                    ["name"] = ResourceNames.PostgresConfigConfigMapName(shardCr),
                    ["items"] = new JsonArray(new JsonObject
                    {
                        ["key"] = ResourceNames.PostgresConfigConfigMapKey,
                        ["path"] = ResourceNames.PostgresConfigConfigMapKey,
                    }),
                },
            },
            new() { Name = ExporterQueriesVolumeName, ConfigMap = new JsonObject { ["name"] = ResourceNames.ExporterQueriesConfigMapName(shardCr) } },
        };

        if (spec.Backup is { } backup)
            volumes.Add(PgBackRestCertsVolume(shardCr, backup));
        if (spec.Backup?.Encryption is { } encryption)
            volumes.Add(SecretVolume(CipherVolumeName, encryption.SecretName));
        if (spec.InternalTls?.Enabled == true)
            volumes.Add(SecretVolume(InternalTlsVolumeName, ResourceNames.InternalTlsName(ResourceNames.MultiPoolerComponent, cluster, ns)));
        if (OtelEnv.SamplingVolume(spec.Observability) is var (samplingVolume, _))
            volumes.Add(samplingVolume);
        return volumes;
    }

    /// <summary>
    /// The pgBackRest certificates as one projected directory (<c>ca.crt</c>, <c>pgbackrest.crt</c>, <c>pgbackrest.key</c>)
    /// whichever Secrets hold them: the user's single Secret, or the operator's CA and server Secrets (§8.2).
    /// </summary>
    public static Volume PgBackRestCertsVolume(string shardCrName, BackupConfig backup)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardCrName);
        ArgumentNullException.ThrowIfNull(backup);
        JsonArray sources;
        if (backup.PgBackRestTls?.SecretName is { Length: > 0 } userSecret)
        {
            sources = new JsonArray(SecretProjection(userSecret, ("ca.crt", "ca.crt"), ("tls.crt", "pgbackrest.crt"), ("tls.key", "pgbackrest.key")));
        }
        else
        {
            sources = new JsonArray(
                SecretProjection(ResourceNames.PgBackRestCaSecretName(shardCrName), ("ca.crt", "ca.crt")),
                SecretProjection(ResourceNames.PgBackRestTlsSecretName(shardCrName), ("tls.crt", "pgbackrest.crt"), ("tls.key", "pgbackrest.key")));
        }

        var projected = new JsonObject { ["sources"] = sources, ["defaultMode"] = PgBackRestCertsMode };
        return new Volume
        {
            Name = PgBackRestCertsVolumeName,
            ExtensionData = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["projected"] = ToElement(projected) },
        };
    }

    /// <summary>
    /// The shard's one shared filesystem-backup PVC when backups go to a filesystem; otherwise an emptyDir, so the mount
    /// path exists for pgctld and multipooler whatever the backup type.
    /// </summary>
    private static Volume BackupVolume(Shard shard, string cluster) =>
        shard.Spec.Backup?.Type == BackupType.Filesystem
            ? new Volume
            {
                Name = BackupVolumeName,
                PersistentVolumeClaim = new JsonObject
                {
                    ["claimName"] = ResourceNames.ShardBackupPvcName(cluster, shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName),
                },
            }
            : new Volume { Name = BackupVolumeName, EmptyDir = new JsonObject() };

    private static Volume SecretVolume(string name, string secretName) => new()
    {
        Name = name,
        Secret = new JsonObject { ["secretName"] = secretName, ["defaultMode"] = ReadOnlySecretMode },
    };

    private static JsonObject SecretProjection(string secretName, params (string Key, string Path)[] items)
    {
        var array = new JsonArray();
        foreach (var (key, path) in items)
            array.Add(new JsonObject { ["key"] = key, ["path"] = path });
        return new JsonObject { ["secret"] = new JsonObject { ["name"] = secretName, ["items"] = array } };
    }

    private static JsonElement ToElement(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }
}
