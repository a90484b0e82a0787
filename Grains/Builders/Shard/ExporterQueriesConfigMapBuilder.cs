namespace MultigresOrleans.Grains.Builders.Shards;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The <c>&lt;shardCR&gt;-exporter-queries</c> ConfigMap (spec §6.5.1): custom postgres_exporter queries loaded through
/// <c>--extend.query-path</c>. The group and column names are fixed because they make the metric names the dashboards
/// and alerts use (<c>&lt;group&gt;_&lt;column&gt;</c>); every group runs on the primary only (<c>master: true</c>) and
/// is cached for 60 s so a scrape never queries the catalog more than once a minute.
/// </summary>
public static class ExporterQueriesConfigMapBuilder
{
    /// <summary>The ConfigMap's single value, <c>queries.yml</c>.</summary>
    public const string Queries = """
        # postgres_exporter custom queries (--extend.query-path), written by the Multigres operator.
        # Each metric is named <group>_<column>; none collides with the exporter's default collectors.

        # pg_database_size_mb: disk used by all databases.
        pg_database:
          master: true
          cache_seconds: 60
          query: "SELECT SUM(pg_database_size(datname)) / (1024 * 1024) AS size_mb FROM pg_database"
          metrics:
            - size_mb:
                usage: "GAUGE"
                description: "Disk space used by all databases, in MB"

        # pg_wal_size_mb: disk used by WAL segments.
        pg_wal:
          master: true
          cache_seconds: 60
          query: "SELECT SUM(size) / (1024 * 1024) AS size_mb FROM pg_ls_waldir()"
          metrics:
            - size_mb:
                usage: "GAUGE"
                description: "Disk space used by WAL files, in MB"

        # pg_stat_database_num_backends: backends over all databases.
        pg_stat_database:
          master: true
          cache_seconds: 60
          query: "SELECT SUM(numbackends) AS num_backends FROM pg_stat_database"
          metrics:
            - num_backends:
                usage: "GAUGE"
                description: "Number of active backends"

        # physical_replication_lag_*: zero on a primary (not in recovery) and on a replica that has replayed all it received.
        physical_replication_lag:
          master: true
          cache_seconds: 60
          query: |
            SELECT
              CASE
                WHEN NOT pg_is_in_recovery() THEN 0
                WHEN (SELECT count(*) FROM pg_stat_wal_receiver) = 1
                     AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
              END AS seconds,
              CASE WHEN pg_is_in_recovery() AND pg_is_wal_replay_paused() THEN 1 ELSE 0 END AS is_wal_replay_paused,
              (SELECT count(*) FROM pg_stat_wal_receiver) AS is_connected_to_primary
          metrics:
            - seconds:
                usage: "GAUGE"
                description: "Physical replication lag in seconds"
            - is_wal_replay_paused:
                usage: "GAUGE"
                description: "1 when WAL replay is paused"
            - is_connected_to_primary:
                usage: "GAUGE"
                description: "1 when a WAL receiver is connected to the primary"

        # connection_stats_connection_count{username}: client backends per role.
        connection_stats:
          master: true
          cache_seconds: 60
          query: |
            SELECT usename AS username, count(*) AS connection_count
            FROM pg_stat_activity
            WHERE backend_type = 'client backend'
            GROUP BY usename
          metrics:
            - username:
                usage: "LABEL"
                description: "Role of the connection"
            - connection_count:
                usage: "GAUGE"
                description: "Number of client connections"

        # max_connections_connection_count: the configured max_connections.
        max_connections:
          master: true
          cache_seconds: 60
          query: "SELECT setting::int AS connection_count FROM pg_settings WHERE name = 'max_connections'"
          metrics:
            - connection_count:
                usage: "GAUGE"
                description: "Maximum allowed connections"

        """;

    /// <summary>The ConfigMap name <c>&lt;shardCR&gt;-exporter-queries</c>.</summary>
    public static string Name(Shard shard) => ResourceNames.ExporterQueriesConfigMapName(ShardObjectMetadata.ShardCrName(shard));

    /// <summary>The controller-owned ConfigMap, component <c>postgres-exporter-queries</c>, key <c>queries.yml</c>.</summary>
    public static ConfigMap Build(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return ShardObjectMetadata.ConfigMap(shard, Name(shard), Components.PostgresExporterQueries, ResourceNames.ExporterQueriesConfigMapKey, Queries);
    }

    /// <summary>Warning <c>ConfigError</c> event text.</summary>
    public static string FailedMessage(string error) => $"Failed to generate postgres_exporter queries: {error}";
}
