namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>How a running postgres applies a setting (pg_settings.context), as far as a reload is concerned.</summary>
public enum GucContext
{
    /// <summary>Applied by a reload (SIGHUP); also every user-settable and every custom "prefix.name" setting.</summary>
    Sighup,

    /// <summary>Only a restart applies it (postmaster or internal context).</summary>
    Postmaster,
}

/// <summary>
/// The fake's view of postgresql.conf: parsing the mounted file the way pg_file_settings reports it
/// (names lower-cased, values unquoted, inline comments dropped, last assignment wins) and the
/// context of each setting. The context table is the well-known restart-only set; anything else,
/// including <c>multigres.config_reload_marker</c>, reloads.
/// </summary>
public static class PostgresConf
{
    private static readonly HashSet<string> PostmasterSettings = new(StringComparer.Ordinal)
    {
        "archive_mode", "autovacuum_max_workers", "bonjour", "bonjour_name", "cluster_name", "config_file", "data_directory",
        "data_sync_retry", "dynamic_shared_memory_type", "event_source", "external_pid_file", "hba_file", "hot_standby",
        "huge_pages", "huge_page_size", "ident_file", "io_method", "jit_provider", "listen_addresses", "logging_collector",
        "max_connections", "max_files_per_process", "max_locks_per_transaction", "max_logical_replication_workers",
        "max_pred_locks_per_transaction", "max_prepared_transactions", "max_replication_slots", "max_wal_senders",
        "max_worker_processes", "min_dynamic_shared_memory", "old_snapshot_threshold", "port", "recovery_target",
        "recovery_target_action", "recovery_target_inclusive", "recovery_target_lsn", "recovery_target_name",
        "recovery_target_time", "recovery_target_timeline", "recovery_target_xid", "reserved_connections",
        "shared_buffers", "shared_memory_type", "shared_preload_libraries", "superuser_reserved_connections",
        "summarize_wal", "track_activity_query_size", "track_commit_timestamp", "unix_socket_directories",
        "unix_socket_group", "unix_socket_permissions", "wal_buffers", "wal_decode_buffer_size", "wal_level",
        "wal_log_hints",
        // internal context: fixed at initdb/compile time, so a reload cannot change them either.
        "block_size", "data_checksums", "segment_size", "wal_block_size", "wal_segment_size", "server_encoding",
    };

    public static GucContext ContextOf(string name) =>
        PostmasterSettings.Contains(name.ToLowerInvariant()) ? GucContext.Postmaster : GucContext.Sighup;

    /// <summary>
    /// The effective settings of a postgresql.conf text. <c>include</c> directives are ignored (the
    /// operator's rendered file has none). Malformed lines are skipped, as the fake has no error column to fill.
    /// </summary>
    public static Dictionary<string, string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            var nameEnd = 0;
            while (nameEnd < line.Length && (char.IsLetterOrDigit(line[nameEnd]) || line[nameEnd] is '_' or '.' or '-'))
                nameEnd++;
            if (nameEnd == 0)
                continue;
            var name = line[..nameEnd].ToLowerInvariant();
            if (name is "include" or "include_if_exists" or "include_dir")
                continue;
            var rest = line[nameEnd..].TrimStart();
            if (rest.StartsWith('='))
                rest = rest[1..].TrimStart();
            if (ReadValue(rest) is { } value)
                settings[name] = value;
        }
        return settings;
    }

    /// <summary>A quoted value with '' or \' escapes, or a bare word up to whitespace or '#'.</summary>
    private static string? ReadValue(string rest)
    {
        if (rest.Length == 0)
            return null;
        if (rest[0] != '\'')
        {
            var end = 0;
            while (end < rest.Length && !char.IsWhiteSpace(rest[end]) && rest[end] != '#')
                end++;
            return end == 0 ? null : rest[..end];
        }
        var value = new System.Text.StringBuilder();
        for (var i = 1; i < rest.Length; i++)
        {
            var c = rest[i];
            if (c == '\\' && i + 1 < rest.Length)
            {
                value.Append(rest[++i]);
                continue;
            }
            if (c == '\'')
            {
                if (i + 1 < rest.Length && rest[i + 1] == '\'')
                {
                    value.Append('\'');
                    i++;
                    continue;
                }
                return value.ToString();
            }
            value.Append(c);
        }
        return null; // unterminated quote: postgres rejects the line
    }
}
