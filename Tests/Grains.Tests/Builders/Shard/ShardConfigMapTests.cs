using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Shards;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Shards;

public sealed class ShardConfigMapTests
{
    private static readonly string[] HbaRules =
    [
        "local   all             all             scram-sha-256",
        "local   replication     all                                     scram-sha-256",
        "host    replication     all             0.0.0.0/0               scram-sha-256",
        "host    replication     all             ::0/0                   scram-sha-256",
        "host    all             all             127.0.0.1/32            scram-sha-256",
        "host    all             all             ::1/128                 scram-sha-256",
        "host    all             all             10.0.0.0/8              scram-sha-256",
        "host    all             all             172.16.0.0/12           scram-sha-256",
        "host    all             all             192.168.0.0/16          scram-sha-256",
        "host    all             all             0.0.0.0/0               scram-sha-256",
        "host    all             all             ::0/0                   scram-sha-256",
    ];

    [Fact]
    public void Names_match_the_spec_vectors_for_the_minimal_sample()
    {
        var shard = ShardFixtures.Minimal();
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-pg-hba", PgHbaConfigMapBuilder.Build(shard).Metadata.Name);
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-exporter-queries", ExporterQueriesConfigMapBuilder.Build(shard).Metadata.Name);
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-postgres-config", PostgresConfigMapBuilder.Build(shard, PostgresConfigRenderer.Render(shard, null)).Metadata.Name);
    }

    [Fact]
    public void Pg_hba_rules_are_scram_everywhere_in_spec_order()
    {
        var text = PgHbaConfigMapBuilder.Build(ShardFixtures.Minimal()).Data!["pg_hba_template.conf"];
        var rules = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToArray();
        Assert.Equal(HbaRules, rules);
        Assert.DoesNotContain("{{", text, StringComparison.Ordinal);
        Assert.DoesNotContain("trust", rules.SelectMany(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Pg_hba_has_the_section_comments_and_ends_with_one_newline()
    {
        var text = PgHbaConfigMapBuilder.Template;
        Assert.EndsWith("scram-sha-256\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
        Assert.StartsWith("# ", text, StringComparison.Ordinal);
        var lines = text.Split('\n');
        Assert.True(Array.IndexOf(lines, "# \"local\" is for Unix domain socket connections only.") < Array.IndexOf(lines, HbaRules[0]));
        Assert.True(Array.IndexOf(lines, "# IPv4 local connections:") < Array.IndexOf(lines, HbaRules[4]));
        Assert.True(Array.IndexOf(lines, "# IPv4 external connections") < Array.IndexOf(lines, HbaRules[6]));
        Assert.True(Array.IndexOf(lines, "# IPv6 external connections") == Array.IndexOf(lines, HbaRules[10]) - 1);
    }

    [Theory]
    [InlineData("pg_database", "size_mb")]
    [InlineData("pg_wal", "size_mb")]
    [InlineData("pg_stat_database", "num_backends")]
    [InlineData("physical_replication_lag", "seconds")]
    [InlineData("physical_replication_lag", "is_wal_replay_paused")]
    [InlineData("physical_replication_lag", "is_connected_to_primary")]
    [InlineData("connection_stats", "username")]
    [InlineData("connection_stats", "connection_count")]
    [InlineData("max_connections", "connection_count")]
    public void Exporter_queries_define_every_metric_the_dashboards_use(string group, string column)
    {
        var lines = ExporterQueriesConfigMapBuilder.Build(ShardFixtures.Minimal()).Data!["queries.yml"].Split('\n');
        var start = Array.IndexOf(lines, group + ":");
        Assert.True(start >= 0, $"group {group} missing");
        var end = Array.FindIndex(lines, start + 1, l => l.Length > 0 && !l.StartsWith(' ') && !l.StartsWith('#'));
        var body = lines[(start + 1)..(end < 0 ? lines.Length : end)];
        Assert.Contains("  master: true", body);
        Assert.Contains("  cache_seconds: 60", body);
        Assert.Contains($"    - {column}:", body);
    }

    [Fact]
    public void Exporter_queries_have_exactly_the_six_groups()
    {
        var groups = ExporterQueriesConfigMapBuilder.Queries.Split('\n').Where(l => l.Length > 0 && l[0] != ' ' && l[0] != '#').ToArray();
        Assert.Equal(["pg_database:", "pg_wal:", "pg_stat_database:", "physical_replication_lag:", "connection_stats:", "max_connections:"], groups);
        Assert.Equal(6, ExporterQueriesConfigMapBuilder.Queries.Split('\n').Count(l => l == "  master: true"));
    }

    [Theory]
    [InlineData("pg-hba", Components.PgHbaConfig)]
    [InlineData("exporter-queries", Components.PostgresExporterQueries)]
    [InlineData("postgres-config", Components.PostgresConfig)]
    public void Config_maps_carry_shard_labels_with_their_component_and_a_controller_owner(string suffix, string component)
    {
        var shard = ShardFixtures.Minimal();
        shard.Metadata.Labels!["custom"] = "kept";
        ConfigMap configMap = suffix switch
        {
            "pg-hba" => PgHbaConfigMapBuilder.Build(shard),
            "exporter-queries" => ExporterQueriesConfigMapBuilder.Build(shard),
            _ => PostgresConfigMapBuilder.Build(shard, PostgresConfigRenderer.Render(shard, null)),
        };
        var labels = configMap.Metadata.Labels!;
        Assert.Equal(component, labels[LabelKeys.AppComponent]);
        Assert.Equal("kept", labels["custom"]);
        Assert.Equal("minimal", labels[LabelKeys.Cluster]);
        Assert.Equal("0-inf", labels[LabelKeys.Shard]);
        Assert.Equal("minimal", labels[LabelKeys.AppInstance]);
        var owner = Assert.Single(configMap.Metadata.OwnerReferences!);
        Assert.Equal((ShardFixtures.ShardUid, (bool?)true), (owner.Uid, owner.Controller));
        Assert.Single(configMap.Data!);
    }

    [Fact]
    public void Postgres_config_map_holds_the_rendered_text_and_hash_annotations_name_both_hashes()
    {
        var shard = ShardFixtures.Minimal();
        var render = PostgresConfigRenderer.Render(shard, null);
        Assert.Equal(render.Text, PostgresConfigMapBuilder.Build(shard, render).Data!["postgresql.conf"]);
        var annotations = PostgresConfigMapBuilder.HashAnnotations(render);
        Assert.Equal(render.RestartHash, annotations[AnnotationKeys.PostgresConfigHash]);
        Assert.Equal(render.ReloadHash, annotations[AnnotationKeys.PostgresReloadHash]);
    }
}
