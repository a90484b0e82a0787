using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Shards;

/// <summary>
/// Spec §8.2: the pgBackRest TLS material of a shard, as pure decisions. Either the user names one Secret
/// (<c>backup.pgbackrestTLS.secretName</c>, checked for its three keys) or the operator keeps a CA Secret and a server
/// Secret, re-issuing the server certificate when it nears expiry, was signed by another CA, or its DNS names differ
/// from the pools and cells the shard has now.
/// </summary>
public static class PgBackRestTlsRules
{
    public const string Component = "pgbackrest";
    public const string ServiceName = "pgbackrest";
    public const string Organization = "Multigres";

    /// <summary>The keys a user-provided Secret must hold, in the order they are checked.</summary>
    public static readonly IReadOnlyList<string> UserSecretKeys = ["ca.crt", "tls.crt", "tls.key"];

    /// <summary>The user's Secret name, or null when the operator generates the certificates.</summary>
    public static string? UserSecretName(Shard shard) =>
        shard.Spec.Backup?.PgBackRestTls?.SecretName is { Length: > 0 } name ? name : null;

    /// <summary>
    /// The server certificate's request: CN <c>pgbackrest</c>, its Service names, and for every pool and pool cell the
    /// wildcard of the pool's headless Service, so a client can reach one replica by its pod FQDN.
    /// </summary>
    public static ServingCertificateRequest ServerRequest(Shard shard)
    {
        var ns = shard.Metadata.Namespace!;
        var extra = new List<string>();
        foreach (var (pool, spec) in shard.Spec.Pools.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var cell in spec.Cells ?? [])
            {
                var service = PoolPodMetadata.HeadlessServiceName(shard, pool, cell);
                extra.Add($"*.{service}.{ns}.svc");
                extra.Add($"*.{service}.{ns}.svc.cluster.local");
            }
        }

        return new ServingCertificateRequest(ServiceName, ns, extra, ClientAuth: true);
    }

    /// <summary>The error for a user Secret that is missing or lacks a key, with the reference's wording; null when usable.</summary>
    public static string? CheckUserSecret(string name, Secret? secret)
    {
        if (secret is null)
            return $"pgbackrest TLS secret \"{name}\" not found";
        foreach (var key in UserSecretKeys)
        {
            if (secret.Data is null || !secret.Data.TryGetValue(key, out var value) || value.Length == 0)
                return $"pgbackrest TLS secret \"{name}\" missing required key \"{key}\"";
        }

        return null;
    }

    public static string CaSecretName(Shard shard) => ResourceNames.PgBackRestCaSecretName(shard.Metadata.Name!);

    public static string TlsSecretName(Shard shard) => ResourceNames.PgBackRestTlsSecretName(shard.Metadata.Name!);

    /// <summary>Standard labels with component <c>pgbackrest-tls</c>, instance = the cluster (§8.2).</summary>
    public static Dictionary<string, string> Labels(Shard shard) => Builders.Labels.Standard(PoolPodMetadata.ClusterName(shard), "pgbackrest-tls");

    /// <summary>
    /// Spec §8.4: the backup cipher key Secret must exist and hold <c>keys.json</c>; returns the reference's error, or null
    /// when encryption is off or the Secret is usable.
    /// </summary>
    public static string? CheckCipherKeySecret(Shard shard, Secret? secret)
    {
        if (shard.Spec.Backup?.Encryption is not { } encryption)
            return null;
        if (string.IsNullOrEmpty(encryption.SecretName))
            return "pgbackrest cipher key secret name is required when encryption is enabled";
        if (secret is null)
            return $"pgbackrest cipher key secret \"{encryption.SecretName}\" not found";
        return secret.Data is not null && secret.Data.TryGetValue(CipherKeysFile, out var keys) && keys.Length > 0
            ? null
            : $"pgbackrest cipher key secret \"{encryption.SecretName}\" missing required key \"{CipherKeysFile}\"";
    }

    public const string CipherKeysFile = "keys.json";
}
