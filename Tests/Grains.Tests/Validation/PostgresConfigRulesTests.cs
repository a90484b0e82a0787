using System.Text.Json;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.PostgresConfig;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;

namespace MultigresOrleans.Grains.Tests.Validation;

/// <summary>GUC validation of <c>postgresConfig</c> maps (spec §3.1 A2, §3.2, §6.11) with the reference's exact messages.</summary>
public sealed class PostgresConfigRulesTests
{
    private static Dictionary<string, string> Map(params (string Name, string Value)[] entries) =>
        entries.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);

    [Fact]
    public void Valid_empty_and_missing_maps_pass()
    {
        Assert.Null(PostgresConfigRules.Check(null));
        Assert.Null(PostgresConfigRules.Check(Map()));
        Assert.Null(PostgresConfigRules.Check(Map(("work_mem", "4MB"), ("enable_seqscan", "off"), ("random_page_cost", "1.1"), ("wal_compression", "zstd"), ("search_path", "app, public"))));
    }

    [Theory]
    [InlineData("cron.database_name", "postgres")]
    [InlineData("pg_stat_statements.max", "not a number")]
    [InlineData("auto_explain.log_min_duration", "10s")]
    [InlineData("PORT.x", "1")]
    public void Extension_parameters_are_accepted_unchecked(string name, string value) =>
        Assert.Null(PostgresConfigRules.Check(Map((name, value))));

    [Theory]
    [InlineData("port", "pinned by the operator on the pgctld command line")]
    [InlineData("listen_addresses", "pinned by the operator on the pgctld command line")]
    [InlineData("unix_socket_directories", "pinned by the operator on the pgctld command line")]
    [InlineData("data_directory", "pinned by the operator on the pgctld command line")]
    [InlineData("hba_file", "pinned by the operator on the pgctld command line")]
    [InlineData("ident_file", "pinned by the operator on the pgctld command line")]
    [InlineData("wal_level", "managed by the operator; multigres requires wal_level=logical")]
    public void Managed_parameters_are_refused_with_their_reason(string name, string reason)
    {
        Assert.Equal($"invalid postgresConfig: parameter \"{name}\" is managed by the operator and cannot be set: {reason}",
            PostgresConfigRules.Check(Map((name, "x"))));
        // Whatever the case or surrounding space, the message names the key as written.
        Assert.Equal($"invalid postgresConfig: parameter \" {name.ToUpperInvariant()}\" is managed by the operator and cannot be set: {reason}",
            PostgresConfigRules.Check(Map((" " + name.ToUpperInvariant(), "x"))));
    }

    [Fact]
    public void Seven_names_are_managed()
    {
        Assert.Equal(["data_directory", "hba_file", "ident_file", "listen_addresses", "port", "unix_socket_directories", "wal_level"],
            PostgresConfigRules.ManagedParameters.Keys.Order(StringComparer.Ordinal));
        Assert.Null(PostgresConfigRules.Check(Map(("wal_log_hints", "on"))));
    }

    [Fact]
    public void Unknown_parameters_are_refused()
    {
        Assert.Equal("invalid postgresConfig: unknown parameter \"shared_bufers\"", PostgresConfigRules.Check(Map(("shared_bufers", "1GB"))));
        Assert.Null(PostgresConfigRules.Check(Map(("Shared_Buffers", "1GB"))));
    }

    [Theory]
    // bool: on/off/true/false/yes/no/1/0 in any case, surrounding space ignored
    [InlineData("enable_seqscan", "on", true)]
    [InlineData("enable_seqscan", "OFF", true)]
    [InlineData("enable_seqscan", "True", true)]
    [InlineData("enable_seqscan", "false", true)]
    [InlineData("enable_seqscan", "yes", true)]
    [InlineData("enable_seqscan", "No", true)]
    [InlineData("enable_seqscan", "1", true)]
    [InlineData("enable_seqscan", " 0 ", true)]
    [InlineData("enable_seqscan", "maybe", false)]
    [InlineData("enable_seqscan", "2", false)]
    [InlineData("enable_seqscan", "of", false)]
    [InlineData("enable_seqscan", "", false)]
    // integer: optional sign, digits, optional alphabetic unit
    [InlineData("work_mem", "4096", true)]
    [InlineData("work_mem", "128MB", true)]
    [InlineData("work_mem", "-1", true)]
    [InlineData("work_mem", "+64kB", true)]
    [InlineData("statement_timeout", "5min", true)]
    [InlineData("statement_timeout", "5 min", true)]
    [InlineData("work_mem", " 64kB ", true)]
    [InlineData("work_mem", "4.5MB", false)]
    [InlineData("work_mem", "MB", false)]
    [InlineData("work_mem", "1e3", false)]
    [InlineData("work_mem", "12MB3", false)]
    [InlineData("work_mem", "-", false)]
    [InlineData("work_mem", "lots", false)]
    [InlineData("work_mem", "", false)]
    // real: anything Go's ParseFloat reads
    [InlineData("random_page_cost", "1.1", true)]
    [InlineData("random_page_cost", "4", true)]
    [InlineData("random_page_cost", "-2.5e3", true)]
    [InlineData("random_page_cost", ".5", true)]
    [InlineData("random_page_cost", "5.", true)]
    [InlineData("random_page_cost", "+Inf", true)]
    [InlineData("random_page_cost", "infinity", true)]
    [InlineData("random_page_cost", "NaN", true)]
    [InlineData("random_page_cost", "0x1p-2", true)]
    [InlineData("random_page_cost", "1e-400", true)]
    [InlineData("random_page_cost", "cheap", false)]
    [InlineData("random_page_cost", "1.1.1", false)]
    [InlineData("random_page_cost", "1e400", false)]
    [InlineData("random_page_cost", "1_000", false)]
    [InlineData("random_page_cost", "-nan", false)]
    [InlineData("random_page_cost", "0x1", false)]
    [InlineData("random_page_cost", "", false)]
    // enum and string: anything
    [InlineData("wal_compression", "anything", true)]
    [InlineData("application_name", "", true)]
    public void Values_are_checked_roughly_by_type(string name, string value, bool valid)
    {
        var error = PostgresConfigRules.Check(Map((name, value)));
        if (valid)
        {
            Assert.Null(error);
            return;
        }
        var type = PostgresSettingsCatalog.Find(name)!.TypeName;
        Assert.Equal($"invalid postgresConfig: parameter \"{name}\" expects a {type} value, got \"{value}\"", error);
    }

    [Fact]
    public void Every_problem_is_reported_with_names_sorted_byte_wise()
    {
        var config = Map(("zzz", "1"), ("enable_seqscan", "maybe"), ("port", "5432"), ("aaa", "x"), ("Work_mem", "big"), ("cron.x", "y"), ("work_mem", "1MB"));
        Assert.Equal(
            "invalid postgresConfig: parameter \"Work_mem\" expects a integer value, got \"big\"; unknown parameter \"aaa\"; "
            + "parameter \"enable_seqscan\" expects a bool value, got \"maybe\"; "
            + "parameter \"port\" is managed by the operator and cannot be set: pinned by the operator on the pgctld command line; "
            + "unknown parameter \"zzz\"",
            PostgresConfigRules.Check(config));
    }

    [Fact]
    public void Names_and_values_are_quoted_as_go_quotes_them()
    {
        Assert.Equal("invalid postgresConfig: parameter \"work_mem\" expects a integer value, got \"4\\\"MB\\n\"",
            PostgresConfigRules.Check(Map(("work_mem", "4\"MB\n"))));
        Assert.Equal("invalid postgresConfig: unknown parameter \"a\\\\b\\t\\x01\\u00a0é😀\"",
            PostgresConfigRules.Check(Map(("a\\b\t\u0001\u00a0é😀", "x"))));
    }

    private static MultigresCluster Cluster(string shards, string extra = "") => JsonSerializer.Deserialize($$$"""
        {"apiVersion":"multigres.com/v1alpha1","kind":"MultigresCluster","metadata":{"name":"c1","namespace":"ns"},
         "spec":{"postgresPasswordSecretRef":{"name":"pw","key":"password"},{{{extra}}}
           "cells":[{"name":"zone-a","zoneId":"use1-az1"}],
           "databases":[{"name":"postgres","default":true,"tablegroups":[{"name":"default","default":true,"shards":{{{shards}}}}]}]}}
        """, MultigresJsonContext.Default.MultigresCluster)!;

    private static AdmissionVerdict Validate(MultigresCluster cluster, ITemplateSource? templates = null) =>
        MultigresClusterValidator.Validate(cluster, null, new ClusterValidationContext(templates ?? InMemoryTemplateSource.Empty, [], [new StorageClassInfo("sc", new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = "true" })]));

    [Fact]
    public void A_cluster_shard_inline_map_is_refused_with_the_shard_named()
    {
        var cluster = Cluster("""[{"name":"0-inf","spec":{"postgresConfig":{"wal_level":"replica","work_mem":"lots"}}}]""");
        Assert.Equal(
            "database \"postgres\" tablegroup \"default\" shard \"0-inf\": invalid postgresConfig: "
            + "parameter \"wal_level\" is managed by the operator and cannot be set: managed by the operator; multigres requires wal_level=logical; "
            + "parameter \"work_mem\" expects a integer value, got \"lots\"",
            Validate(cluster).Error);
    }

    [Fact]
    public void A_cluster_shard_overrides_map_is_checked_after_the_inline_one()
    {
        var overrides = Cluster("""[{"name":"0-inf","overrides":{"postgresConfig":{"bogus":"1"}}}]""");
        Assert.Equal("database \"postgres\" tablegroup \"default\" shard \"0-inf\": invalid postgresConfig: unknown parameter \"bogus\"", Validate(overrides).Error);

        var both = Cluster("""[{"name":"0-inf","spec":{"postgresConfig":{"inline_bad":"1"}},"overrides":{"postgresConfig":{"override_bad":"1"}}}]""");
        Assert.Equal("database \"postgres\" tablegroup \"default\" shard \"0-inf\": invalid postgresConfig: unknown parameter \"inline_bad\"", PostgresConfigRules.CheckCluster(both.Spec));

        var valid = Cluster("""[{"name":"0-inf","spec":{"postgresConfig":{"work_mem":"8MB","cron.database_name":"app"}}}]""");
        Assert.Null(PostgresConfigRules.CheckCluster(valid.Spec));
    }

    [Fact]
    public void The_first_shard_with_problems_is_reported()
    {
        var cluster = Cluster("""[{"name":"a","spec":{"postgresConfig":{"work_mem":"8MB"}}},{"name":"b","spec":{"postgresConfig":{"port":"1"}}},{"name":"c","spec":{"postgresConfig":{"nope":"1"}}}]""");
        Assert.StartsWith("database \"postgres\" tablegroup \"default\" shard \"b\": invalid postgresConfig: parameter \"port\"", PostgresConfigRules.CheckCluster(cluster.Spec), StringComparison.Ordinal);
    }

    [Fact]
    public void A2_runs_after_template_existence_and_before_the_logic_checks()
    {
        // (A) wins over (A2): a missing template is reported first.
        var missing = Cluster("""[{"name":"0-inf","spec":{"postgresConfig":{"nope":"1"}}}]""", """ "templateDefaults":{"coreTemplate":"prod"}, """);
        Assert.Equal("referenced CoreTemplate 'prod' not found in namespace 'ns'", Validate(missing).Error);

        // (A2) wins over (B): the pool in a non-existent cell is not reached.
        var logic = Cluster("""[{"name":"0-inf","spec":{"postgresConfig":{"nope":"1"},"multiorch":{"cells":["zone-a"]},"pools":{"main":{"type":"readWrite","cells":["zone-b"]}}}}]""");
        Assert.Equal("database \"postgres\" tablegroup \"default\" shard \"0-inf\": invalid postgresConfig: unknown parameter \"nope\"", Validate(logic).Error);
        Assert.Empty(Validate(logic).Warnings);
    }

    [Fact]
    public void Template_maps_are_not_the_cluster_validators_to_judge()
    {
        var templates = new InMemoryTemplateSource([], [], [new ShardTemplate { Metadata = new() { Name = "default" }, Spec = new ShardTemplateSpec { PostgresConfig = new Dictionary<string, string> { ["nope"] = "1" } } }]);
        var cluster = Cluster("""[{"name":"0-inf"}]""");
        Assert.Null(PostgresConfigRules.CheckCluster(cluster.Spec));
        Assert.DoesNotContain("postgresConfig", Validate(cluster, templates).Error ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Go_quote_escapes_like_strconv_quote()
    {
        Assert.Equal("\"plain\"", GoQuote.Quote("plain"));
        Assert.Equal("\"\\a\\b\\f\\n\\r\\t\\v\\x7f\\u200b\\U000e0001\"", GoQuote.Quote("\a\b\f\n\r\t\v\u007f\u200b\U000E0001"));
    }
}
