using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Shards;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Shards;

public sealed class PostgresConfigRendererTests
{
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static Shard WithInline(params (string Name, string Value)[] settings) =>
        ShardFixtures.Minimal(s => s with { PostgresConfig = settings.ToDictionary(p => p.Name, p => p.Value) });

    private static Shard WithPool(string? memoryLimit = null, string? memoryRequest = null, string? cpu = null, string? size = null) =>
        ShardFixtures.Minimal(s => s with
        {
            Pools = new Dictionary<string, PoolSpec>
            {
                ["default"] = new PoolSpec
                {
                    Cells = ["zone-a"],
                    Storage = size is null ? null : new StorageSpec { Size = size },
                    Postgres = new ContainerConfig
                    {
                        Resources = new ResourceRequirements
                        {
                            Limits = Quantities(("memory", memoryLimit), ("cpu", cpu)),
                            Requests = Quantities(("memory", memoryRequest)),
                        },
                    },
                },
            },
        });

    private static Dictionary<string, Quantity>? Quantities(params (string Key, string? Value)[] values)
    {
        var map = values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => new Quantity(v.Value!));
        return map.Count > 0 ? map : null;
    }

    private static Dictionary<string, string> Effective(Shard shard) => PostgresConfigSplit.EffectiveSettings(PostgresConfigRenderer.Render(shard, null).Text);

    [Fact]
    public void Baseline_values_without_resources()
    {
        var settings = Effective(ShardFixtures.Minimal());
        var expected = new Dictionary<string, string>
        {
            ["max_connections"] = "60", ["shared_buffers"] = "64MB", ["maintenance_work_mem"] = "16MB", ["work_mem"] = "1092kB",
            ["max_worker_processes"] = "6", ["effective_io_concurrency"] = "0", ["max_parallel_workers"] = "2",
            ["max_parallel_workers_per_gather"] = "1", ["max_parallel_maintenance_workers"] = "1", ["wal_buffers"] = "1920kB",
            ["min_wal_size"] = "80MB", ["max_wal_size"] = "1024MB", ["wal_keep_size"] = "1000MB", ["max_slot_wal_keep_size"] = "1024MB",
            ["checkpoint_completion_target"] = "0.9", ["max_wal_senders"] = "25", ["max_replication_slots"] = "25",
            ["effective_cache_size"] = "192MB", ["random_page_cost"] = "1.1", ["default_statistics_target"] = "100",
            ["cluster_name"] = "minimal/postgres/default/0-inf",
            ["password_encryption"] = "scram-sha-256", ["ssl"] = "off", ["wal_level"] = "logical", ["row_security"] = "on",
            ["timezone"] = "UTC", ["auto_explain.log_min_duration"] = "10s", ["cron.database_name"] = "postgres", ["wal_log_hints"] = "on",
            [PostgresConfigSplit.ReloadMarkerName] = PostgresConfigRenderer.Render(ShardFixtures.Minimal(), null).ReloadHash,
        };
        Assert.All(expected, e => Assert.Equal(e.Value, settings.GetValueOrDefault(e.Key)));
    }

    [Theory]
    [InlineData("port")]
    [InlineData("listen_addresses")]
    [InlineData("unix_socket_directories")]
    [InlineData("data_directory")]
    [InlineData("hba_file")]
    [InlineData("ident_file")]
    public void Pgctld_pinned_settings_are_never_rendered(string name)
    {
        Assert.DoesNotContain(name, Effective(ShardFixtures.Minimal()).Keys);
    }

    [Fact]
    public void Cluster_name_drops_empty_parts_and_falls_back_to_the_shard_name()
    {
        var shard = ShardFixtures.Minimal();
        shard.Metadata.Labels!.Remove(LabelKeys.Cluster);
        Assert.Equal("postgres/default/0-inf", PostgresConfigSizing.ClusterName(shard));
        var empty = ShardFixtures.Minimal(s => s with { DatabaseName = "", TableGroupName = "", ShardName = "" });
        empty.Metadata.Labels!.Remove(LabelKeys.Cluster);
        Assert.Equal(ShardFixtures.ShardCrName, PostgresConfigSizing.ClusterName(empty));
    }

    [Fact]
    public void Four_cores_four_gibibytes_and_a_large_disk_size_every_knob()
    {
        var settings = Effective(WithPool(memoryLimit: "4Gi", cpu: "4", size: "100Gi"));
        Assert.Equal("4", settings["max_worker_processes"]);
        Assert.Equal("4", settings["max_parallel_workers"]);
        Assert.Equal("2", settings["max_parallel_workers_per_gather"]);
        Assert.Equal("2", settings["max_parallel_maintenance_workers"]);
        Assert.Equal("1GB", settings["shared_buffers"]);
        Assert.Equal("3GB", settings["effective_cache_size"]);
        Assert.Equal("256MB", settings["maintenance_work_mem"]);
        Assert.Equal("16MB", settings["wal_buffers"]);
        Assert.Equal("8738kB", settings["work_mem"]);
        Assert.Equal("4096MB", settings["max_wal_size"]);
        Assert.Equal("1024MB", settings["min_wal_size"]);
        Assert.Equal("1000MB", settings["wal_keep_size"]);
        Assert.Equal("4096MB", settings["max_slot_wal_keep_size"]);
        Assert.Equal("60", settings["max_connections"]);
    }

    [Fact]
    public void Fewer_than_four_cores_keep_the_worker_baseline_and_request_is_used_without_limit()
    {
        var settings = Effective(WithPool(memoryRequest: "512Mi", cpu: "3500m", size: "1Gi"));
        Assert.Equal("6", settings["max_worker_processes"]);
        Assert.Equal("1", settings["max_parallel_workers_per_gather"]);
        Assert.Equal("128MB", settings["shared_buffers"]);
        Assert.Equal("384MB", settings["effective_cache_size"]);
        Assert.Equal("32MB", settings["maintenance_work_mem"]);
        Assert.Equal("3932kB", settings["wal_buffers"]);
        Assert.Equal("2184kB", settings["work_mem"]);
        Assert.Equal("256MB", settings["max_wal_size"]);
        Assert.Equal("64MB", settings["min_wal_size"]);
        Assert.Equal("128MB", settings["wal_keep_size"]);
        Assert.Equal("256MB", settings["max_slot_wal_keep_size"]);
    }

    [Fact]
    public void Memory_is_the_max_and_disk_the_min_over_pools()
    {
        var shard = ShardFixtures.Minimal(s => s with
        {
            Pools = new Dictionary<string, PoolSpec>
            {
                ["a"] = new PoolSpec { Cells = ["zone-a"], Storage = new StorageSpec { Size = "2Gi" }, Postgres = new ContainerConfig { Resources = new ResourceRequirements { Limits = new Dictionary<string, Quantity> { ["memory"] = "1Gi" } } } },
                ["b"] = new PoolSpec { Cells = ["zone-a"], Storage = new StorageSpec { Size = "8Gi" }, Postgres = new ContainerConfig { Resources = new ResourceRequirements { Limits = new Dictionary<string, Quantity> { ["memory"] = "2Gi" } } } },
                ["c"] = new PoolSpec { Cells = ["zone-a"] },
            },
        });
        var settings = Effective(shard);
        Assert.Equal("512MB", settings["shared_buffers"]);
        // The smallest sized disk (2Gi = 2048MB) wins; pool c has no size and is left out rather than counted as zero.
        Assert.Equal("512MB", settings["max_wal_size"]);
        Assert.Equal("256MB", settings["wal_keep_size"]);
    }

    [Theory]
    [InlineData(0L, "0kB")]
    [InlineData(1023L, "0kB")]
    [InlineData(1536L, "1kB")]
    [InlineData(1L << 20, "1MB")]
    [InlineData(3L << 29, "1536MB")]
    [InlineData(1L << 30, "1GB")]
    public void Sizes_use_the_largest_exact_unit(long bytes, string expected)
    {
        Assert.Equal(expected, PostgresConfigSizing.FormatBytes(bytes));
    }

    [Fact]
    public void Layers_are_appended_in_precedence_order_and_inline_values_are_quoted()
    {
        var shard = ShardFixtures.Minimal(s => s with
        {
            PostgresConfigRef = new PostgresConfigRef { Name = "tuning", Key = "extra.conf" },
            PostgresConfig = new Dictionary<string, string> { ["work_mem"] = "32MB", ["application_name"] = "it's" },
        });
        var text = PostgresConfigRenderer.Render(shard, "work_mem = 16MB\nlog_min_messages = notice\n\n\n").Text;
        var reference = text.IndexOf("\n# postgresConfigRef\nwork_mem = 16MB\nlog_min_messages = notice\n", StringComparison.Ordinal);
        var inline = text.IndexOf("\n# spec.postgresConfig\napplication_name = 'it''s'\nwork_mem = '32MB'\n", StringComparison.Ordinal);
        Assert.True(reference > 0, text);
        Assert.True(inline > reference, text);
        Assert.EndsWith($"\n# Operator-managed config-version marker; do not edit.\nmultigres.config_reload_marker = '{PostgresConfigRenderer.Render(shard, "work_mem = 16MB\nlog_min_messages = notice\n").ReloadHash}'\n", text, StringComparison.Ordinal);

        var settings = PostgresConfigSplit.EffectiveSettings(text);
        Assert.Equal("32MB", settings["work_mem"]);
        Assert.Equal("it's", settings["application_name"]);
        Assert.Equal("notice", settings["log_min_messages"]);
    }

    [Fact]
    public void Reference_content_is_ignored_without_a_reference()
    {
        Assert.Equal(
            PostgresConfigRenderer.Render(ShardFixtures.Minimal(), null).Text,
            PostgresConfigRenderer.Render(ShardFixtures.Minimal(), "work_mem = 1GB\n").Text);
    }

    [Fact]
    public void Reading_the_reference_reports_a_missing_key_and_fetch_errors()
    {
        var reference = new PostgresConfigRef { Name = "tuning", Key = "extra.conf" };
        Assert.Equal("a = 1\n", PostgresConfigRenderer.ReadReference(reference, new ConfigMap { Data = new Dictionary<string, string> { ["extra.conf"] = "a = 1\n" } }));
        var error = Assert.Throws<ShardBuildException>(() => PostgresConfigRenderer.ReadReference(reference, new ConfigMap()));
        Assert.Equal("key \"extra.conf\" not found in ConfigMap \"tuning\"", error.Message);
        Assert.Equal("failed to get ConfigMap \"tuning\": not found", PostgresConfigRenderer.FetchErrorMessage("tuning", "not found"));
        Assert.Equal("Failed to reconcile postgres config: x", PostgresConfigRenderer.FailedMessage("x"));
    }

    [Fact]
    public void Hashes_are_stable_lowercase_sha256_hex()
    {
        var first = PostgresConfigRenderer.Render(ShardFixtures.Minimal(), null);
        var second = PostgresConfigRenderer.Render(ShardFixtures.Minimal(), null);
        Assert.Equal(first.RestartHash, second.RestartHash);
        Assert.Equal(first.ReloadHash, second.ReloadHash);
        Assert.Equal(first.Text, second.Text);
        Assert.Matches("^[0-9a-f]{64}$", first.RestartHash);
        Assert.Matches("^[0-9a-f]{64}$", first.ReloadHash);
        Assert.NotEqual(first.RestartHash, first.ReloadHash);
    }

    [Fact]
    public void Hash_is_sha256_over_sorted_name_value_lines()
    {
        Assert.Equal(EmptyHash, PostgresConfigSplit.Hash(new Dictionary<string, string>()));
        Assert.Equal("fd8cd2f55c248af7952bb189839ea053ffeb221fa91ce6d46dabbc418aaf6fed", PostgresConfigSplit.Hash(new Dictionary<string, string> { ["work_mem"] = "4MB" }));
        Assert.Equal(
            PostgresConfigSplit.Hash(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }),
            PostgresConfigSplit.Hash(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
    }

    [Fact]
    public void Changing_a_reload_class_setting_changes_only_the_reload_hash()
    {
        var before = PostgresConfigRenderer.Render(WithInline(("work_mem", "8MB")), null);
        var after = PostgresConfigRenderer.Render(WithInline(("work_mem", "16MB")), null);
        Assert.Equal(before.RestartHash, after.RestartHash);
        Assert.NotEqual(before.ReloadHash, after.ReloadHash);
        Assert.Equal("16MB", after.ReloadSettings["work_mem"]);
        Assert.DoesNotContain("work_mem", after.RestartSettings.Keys);
    }

    [Fact]
    public void Changing_a_restart_class_setting_changes_only_the_restart_hash()
    {
        var before = PostgresConfigRenderer.Render(WithInline(("shared_buffers", "256MB")), null);
        var after = PostgresConfigRenderer.Render(WithInline(("shared_buffers", "512MB")), null);
        Assert.NotEqual(before.RestartHash, after.RestartHash);
        Assert.Equal(before.ReloadHash, after.ReloadHash);
        Assert.Equal("512MB", after.RestartSettings["shared_buffers"]);
    }

    [Theory]
    [InlineData("pg_stat_statements.max", "5000", "10000")]
    [InlineData("not_a_real_guc", "a", "b")]
    public void Extension_and_unknown_names_count_as_restart(string name, string first, string second)
    {
        var before = PostgresConfigRenderer.Render(WithInline((name, first)), null);
        var after = PostgresConfigRenderer.Render(WithInline((name, second)), null);
        Assert.NotEqual(before.RestartHash, after.RestartHash);
        Assert.Equal(before.ReloadHash, after.ReloadHash);
        Assert.True(after.RestartSettings.ContainsKey(name));
    }

    [Fact]
    public void Setting_a_value_equal_to_the_effective_one_moves_no_hash()
    {
        var baseline = PostgresConfigRenderer.Render(ShardFixtures.Minimal(), null);
        var restated = PostgresConfigRenderer.Render(WithInline(("work_mem", "1092kB")), null);
        Assert.Equal(baseline.RestartHash, restated.RestartHash);
        Assert.Equal(baseline.ReloadHash, restated.ReloadHash);
        Assert.NotEqual(baseline.Text, restated.Text);
    }

    [Fact]
    public void Parsing_ignores_comments_case_and_layout_and_last_assignment_wins()
    {
        var tidy = PostgresConfigSplit.Split("work_mem = 4MB\nsearch_path = '\"$user\", public'\n");
        var messy = PostgresConfigSplit.Split("# header\n\n  WORK_MEM = 1MB\nwork_mem=4MB   # trailing\nsearch_path = '\"$user\", public' # c\nnot a setting\n");
        Assert.Equal(tidy.ReloadHash, messy.ReloadHash);
        Assert.Equal(tidy.RestartHash, messy.RestartHash);
        Assert.Equal("\"$user\", public", messy.ReloadSettings["search_path"]);

        var hashInQuotes = PostgresConfigSplit.EffectiveSettings("log_line_prefix = '%m # it''s' # comment\n");
        Assert.Equal("%m # it's", hashInQuotes["log_line_prefix"]);
    }

    [Fact]
    public void The_marker_is_in_the_reload_settings_and_text_but_not_in_either_hash()
    {
        var render = PostgresConfigSplit.Split("work_mem = 4MB\nshared_buffers = 1GB\n");
        Assert.Equal(render.ReloadHash, render.ReloadSettings[PostgresConfigSplit.ReloadMarkerName]);
        Assert.Equal(PostgresConfigSplit.Hash(new Dictionary<string, string> { ["work_mem"] = "4MB" }), render.ReloadHash);
        Assert.Equal(PostgresConfigSplit.Hash(new Dictionary<string, string> { ["shared_buffers"] = "1GB" }), render.RestartHash);
        Assert.EndsWith($"multigres.config_reload_marker = '{render.ReloadHash}'\n", render.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresConfigSplit.ReloadMarkerName, render.RestartSettings.Keys);
    }

    [Fact]
    public void An_empty_partition_hashes_the_empty_input()
    {
        var render = PostgresConfigSplit.Split("shared_buffers = 1GB\n");
        Assert.Equal(EmptyHash, render.ReloadHash);
    }
}
