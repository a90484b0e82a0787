namespace MultigresOrleans.Grains.Builders.Shards;

using System.Globalization;
using System.Text;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// Renders the effective postgresql.conf of a shard (spec §6.11 "Render") and splits it into the restart and reload
/// classes (<see cref="PostgresConfigSplit"/>). Layers are appended in increasing precedence, because PostgreSQL applies
/// the last assignment of a name: the operator's baseline, then the deprecated <c>postgresConfigRef</c> text, then the
/// inline <c>spec.postgresConfig</c> map. The renderer is run once per reconcile and its result feeds the ConfigMap,
/// the pod annotations and the status, so all three always describe the same file.
/// </summary>
public static class PostgresConfigRenderer
{
    /// <summary>The header of the appended <c>postgresConfigRef</c> layer.</summary>
    public const string ReferenceHeader = "\n# postgresConfigRef\n";

    /// <summary>The header of the appended inline-map layer.</summary>
    public const string InlineHeader = "\n# spec.postgresConfig\n";

    /// <summary>
    /// The rendered file with its hashes. <paramref name="referencedConfig"/> is the value of the
    /// <c>postgresConfigRef</c> ConfigMap key (read with <see cref="ReadReference"/>); it is ignored when the Shard has
    /// no reference.
    /// </summary>
    public static PostgresConfigRender Render(Shard shard, string? referencedConfig)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var text = new StringBuilder(RenderBaseline(PostgresConfigSizing.ForShard(shard)));
        if (shard.Spec.PostgresConfigRef is not null)
            text.Append(ReferenceHeader).Append((referencedConfig ?? "").TrimEnd('\n')).Append('\n');

        if (shard.Spec.PostgresConfig is { Count: > 0 } inline)
        {
            text.Append(InlineHeader);
            foreach (var (name, value) in inline.OrderBy(p => p.Key, StringComparer.Ordinal))
                text.Append(name).Append(" = '").Append(value.Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
        }

        return PostgresConfigSplit.Split(text.ToString());
    }

    /// <summary>
    /// The value of the referenced key, or throws <see cref="ShardBuildException"/> with
    /// <c>key "&lt;k&gt;" not found in ConfigMap "&lt;n&gt;"</c>. Fetching the ConfigMap is the caller's I/O; a failed
    /// fetch becomes <see cref="FetchErrorMessage"/>.
    /// </summary>
    public static string ReadReference(PostgresConfigRef reference, ConfigMap configMap)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(configMap);
        return configMap.Data is { } data && data.TryGetValue(reference.Key, out var value)
            ? value
            : throw new ShardBuildException($"key {GoQuote.Quote(reference.Key)} not found in ConfigMap {GoQuote.Quote(reference.Name)}");
    }

    /// <summary>The render error when the referenced ConfigMap cannot be read: <c>failed to get ConfigMap "&lt;n&gt;": &lt;err&gt;</c>.</summary>
    public static string FetchErrorMessage(string configMapName, string error) => $"failed to get ConfigMap {GoQuote.Quote(configMapName)}: {error}";

    /// <summary>Warning <c>ConfigError</c> event text when the render failed (§6.5 step 14).</summary>
    public static string FailedMessage(string error) => $"Failed to reconcile postgres config: {error}";

    /// <summary>
    /// The operator's own layer. <c>port</c>, <c>listen_addresses</c>, <c>unix_socket_directories</c>,
    /// <c>data_directory</c>, <c>hba_file</c> and <c>ident_file</c> are deliberately absent: pgctld pins them on its
    /// command line and a second source of truth would only be able to disagree. <c>wal_level</c> is fixed to logical
    /// because multigres needs logical decoding; the webhook refuses overrides of it.
    /// </summary>
    public static string RenderBaseline(PostgresConfigValues v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return string.Create(CultureInfo.InvariantCulture, $$"""
            # postgresql.conf rendered by the Multigres operator; edits are overwritten.
            # port, listen_addresses, unix_socket_directories, data_directory, hba_file
            # and ident_file are set by pgctld on the command line.

            # ---- Connections and authentication ----
            max_connections = {{v.MaxConnections}}
            authentication_timeout = 1min
            password_encryption = scram-sha-256
            ssl = off

            # ---- Memory ----
            shared_buffers = {{v.SharedBuffers}}
            maintenance_work_mem = {{v.MaintenanceWorkMem}}
            work_mem = {{v.WorkMem}}

            # ---- Workers and parallelism ----
            max_worker_processes = {{v.MaxWorkerProcesses}}
            effective_io_concurrency = {{v.EffectiveIoConcurrency}}
            max_parallel_workers = {{v.MaxParallelWorkers}}
            max_parallel_workers_per_gather = {{v.MaxParallelWorkersPerGather}}
            max_parallel_maintenance_workers = {{v.MaxParallelMaintenanceWorkers}}

            # ---- Write-ahead log ----
            wal_level = logical
            wal_log_hints = 'on'
            wal_buffers = {{v.WalBuffers}}
            min_wal_size = {{v.MinWalSize}}
            max_wal_size = {{v.MaxWalSize}}
            wal_keep_size = {{v.WalKeepSize}}
            checkpoint_completion_target = {{v.CheckpointCompletionTarget}}

            # ---- Replication ----
            max_wal_senders = {{v.MaxWalSenders}}
            max_replication_slots = {{v.MaxReplicationSlots}}
            max_slot_wal_keep_size = {{v.MaxSlotWalKeepSize}}
            hot_standby_feedback = on

            # ---- Query planning ----
            effective_cache_size = {{v.EffectiveCacheSize}}
            random_page_cost = {{v.RandomPageCost}}
            default_statistics_target = {{v.DefaultStatisticsTarget}}

            # ---- Logging ----
            log_line_prefix = '%m [%p] %q%u@%d '
            log_statement = 'ddl'
            log_timezone = 'UTC'

            # ---- Process title ----
            cluster_name = '{{v.ClusterName.Replace("'", "''", StringComparison.Ordinal)}}'

            # ---- Client defaults and locales ----
            row_security = on
            timezone = 'UTC'
            lc_messages = 'en_US.UTF-8'
            lc_monetary = 'en_US.UTF-8'
            lc_numeric = 'en_US.UTF-8'
            lc_time = 'en_US.UTF-8'
            default_text_search_config = 'pg_catalog.english'

            # ---- Extensions ----
            auto_explain.log_min_duration = 10s
            cron.database_name = 'postgres'

            """);
    }
}
