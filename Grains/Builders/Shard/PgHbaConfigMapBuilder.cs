namespace MultigresOrleans.Grains.Builders.Shards;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The <c>&lt;shardCR&gt;-pg-hba</c> ConfigMap (spec §6.5.1): the pg_hba.conf that pgctld installs for every pool pod.
/// Every rule uses SCRAM: the superuser password comes from the user's Secret and is known to every component, so no
/// connection path (socket, loopback, pod network, replication) needs trust or peer authentication. The file carries
/// no template placeholder any more; it is the same for every shard.
/// </summary>
public static class PgHbaConfigMapBuilder
{
    /// <summary>The ConfigMap's single value, ending with exactly one newline. The rule lines and their order are the spec's.</summary>
    public const string Template = """
        # PostgreSQL Client Authentication Configuration File
        # ===================================================
        #
        # Written by the Multigres operator; edits are overwritten on the next reconcile.
        #
        # Every rule authenticates with SCRAM-SHA-256: the superuser password is
        # read from the user's Secret, so no path needs trust or peer access.
        #
        # local      DATABASE  USER  METHOD  [OPTIONS]
        # host       DATABASE  USER  ADDRESS  METHOD  [OPTIONS]

        # TYPE  DATABASE        USER            ADDRESS                 METHOD

        # "local" is for Unix domain socket connections only.
        local   all             all             scram-sha-256

        # Replication: standbys and pgBackRest authenticate with the shared password.
        local   replication     all                                     scram-sha-256
        host    replication     all             0.0.0.0/0               scram-sha-256
        host    replication     all             ::0/0                   scram-sha-256

        # IPv4 local connections:
        host    all             all             127.0.0.1/32            scram-sha-256
        host    all             all             ::1/128                 scram-sha-256

        # IPv4 external connections
        host    all             all             10.0.0.0/8              scram-sha-256
        host    all             all             172.16.0.0/12           scram-sha-256
        host    all             all             192.168.0.0/16          scram-sha-256
        host    all             all             0.0.0.0/0               scram-sha-256

        # IPv6 external connections
        host    all             all             ::0/0                   scram-sha-256

        """;

    /// <summary>The ConfigMap name <c>&lt;shardCR&gt;-pg-hba</c>.</summary>
    public static string Name(Shard shard) => ResourceNames.PgHbaConfigMapName(ShardObjectMetadata.ShardCrName(shard));

    /// <summary>The controller-owned ConfigMap, component <c>pg-hba-config</c>, key <c>pg_hba_template.conf</c>.</summary>
    public static ConfigMap Build(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return ShardObjectMetadata.ConfigMap(shard, Name(shard), Components.PgHbaConfig, ResourceNames.PgHbaConfigMapKey, Template);
    }

    /// <summary>Warning <c>ConfigError</c> event text.</summary>
    public static string FailedMessage(string error) => $"Failed to generate pg_hba: {error}";
}
