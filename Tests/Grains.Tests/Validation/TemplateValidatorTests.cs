using System.Text.Json;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;

namespace MultigresOrleans.Grains.Tests.Validation;

/// <summary>Template webhooks (spec §3.2): ShardTemplate content, CellTemplate content and consumers with the ratchet, DELETE guards.</summary>
public sealed class TemplateValidatorTests
{
    private const string Defaults = "unset fields use the multigateway defaults (window 10s, maxFailoverDuration 20s)";

    private static CellTemplate Cell(string name, string spec = "{}") =>
        JsonSerializer.Deserialize($$"""{"apiVersion":"multigres.com/v1alpha1","kind":"CellTemplate","metadata":{"name":"{{name}}","namespace":"ns"},"spec":{{spec}}}""",
            MultigresJsonContext.Default.CellTemplate)!;

    private static ShardTemplate Shard(string name, string spec) =>
        JsonSerializer.Deserialize($$"""{"apiVersion":"multigres.com/v1alpha1","kind":"ShardTemplate","metadata":{"name":"{{name}}","namespace":"ns"},"spec":{{spec}}}""",
            MultigresJsonContext.Default.ShardTemplate)!;

    private static MultigresCluster Cluster(string name, string cells, string templateDefaults = "{}", bool deleting = false) =>
        JsonSerializer.Deserialize($$$"""
            {"apiVersion":"multigres.com/v1alpha1","kind":"MultigresCluster",
             "metadata":{"name":"{{{name}}}","namespace":"ns"{{{(deleting ? ""","deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["multigres.com/cluster-cleanup"]""" : "")}}}},
             "spec":{"postgresPasswordSecretRef":{"name":"pw","key":"password"},"templateDefaults":{{{templateDefaults}}},"cells":{{{cells}}}}}
            """, MultigresJsonContext.Default.MultigresCluster)!;

    private static InMemoryTemplateSource Stored(params CellTemplate[] cells) => new([], cells, []);

    private const string Window30 = """{"multigateway":{"buffer":{"window":"30s"}}}""";

    // A cell whose inline gateway caps failovers at 20s: any template window above that breaks it.
    private const string ZoneAMax20 = """[{"name":"zone-a","zoneId":"use1-az1","cellTemplate":"gw","overrides":{"multigateway":{"buffer":{"maxFailoverDuration":"20s"}}}}]""";

    [Fact]
    public void ShardTemplate_pool_names_come_before_postgres_config()
    {
        Assert.Equal("pool name 'BAD_POOL' is invalid: must consist of lowercase alphanumeric characters or '-', and must start and end with an alphanumeric character",
            TemplateValidator.ShardTemplateWrite(Shard("t", """{"pools":{"BAD_POOL":{"type":"readWrite"}},"postgresConfig":{"port":"1"}}""")));
        Assert.Equal("pool name 'abcdefghijklmnopqrstuvwxyz' must be between 1 and 25 characters",
            TemplateValidator.ShardTemplateWrite(Shard("t", """{"pools":{"abcdefghijklmnopqrstuvwxyz":{"type":"readWrite"}}}""")));
        Assert.Equal("invalid postgresConfig: unknown parameter \"nope\"; parameter \"port\" is managed by the operator and cannot be set: pinned by the operator on the pgctld command line",
            TemplateValidator.ShardTemplateWrite(Shard("t", """{"pools":{"main":{"type":"readWrite"}},"postgresConfig":{"port":"1","nope":"2"}}""")));
        Assert.Null(TemplateValidator.ShardTemplateWrite(Shard("t", """{"pools":{"main":{"type":"readWrite"}},"postgresConfig":{"work_mem":"4MB","cron.database_name":"x"}}""")));
    }

    [Fact]
    public void A_metadata_only_ShardTemplate_update_passes_even_when_the_spec_is_invalid()
    {
        var stored = Shard("t", """{"postgresConfig":{"nope":"1"}}""");
        var relabelled = stored with { Metadata = new() { Name = "t", Namespace = "ns", Labels = new Dictionary<string, string> { ["team"] = "db" } } };
        Assert.Null(TemplateValidator.ShardTemplateWrite(relabelled, stored));
        Assert.NotNull(TemplateValidator.ShardTemplateWrite(relabelled, Shard("t", "{}")));
    }

    [Theory]
    [InlineData("""{"multigateway":{"buffer":{"window":"30s","maxFailoverDuration":"20s"}}}""", "CellTemplate 'gw': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)")]
    [InlineData("""{"multigateway":{"buffer":{"window":"0s"}}}""", "CellTemplate 'gw': multigateway buffer window (0s) must be a positive duration")]
    [InlineData("""{"multigateway":{"buffer":{"maxFailoverDuration":"0s"}}}""", "CellTemplate 'gw': multigateway buffer maxFailoverDuration (0s) must be a positive duration")]
    [InlineData("""{"multigateway":{"buffer":{"minTimeBetweenFailovers":"-1s"}}}""", "CellTemplate 'gw': multigateway buffer minTimeBetweenFailovers (-1s) must not be negative")]
    [InlineData("""{"multigateway":{"resources":{"requests":{"cpu":"200m"},"limits":{"cpu":"100m"}}}}""", "CellTemplate 'gw' multigateway: resource cpu limit (100m) must be >= request (200m)")]
    [InlineData("""{"multigateway":{"buffer":{"window":"30s"}}}""", null)] // partial: the ordering rule needs both durations
    [InlineData("""{"multigateway":{"buffer":{"enabled":false,"window":"30s","maxFailoverDuration":"20s"}}}""", null)]
    [InlineData("{}", null)]
    public void CellTemplate_content_is_checked_in_partial_mode(string spec, string? error)
    {
        Assert.Equal(error, TemplateValidator.CellTemplateContent(Cell("gw", spec)));
        Assert.Equal(error, TemplateValidator.CellTemplateWrite(Cell("gw", spec), null, [], Stored()));
    }

    [Fact]
    public void A_write_that_breaks_a_consumer_is_refused_with_the_cluster_and_cell_named()
    {
        var clusters = new[] { Cluster("c1", ZoneAMax20) };
        Assert.Equal("MultigresCluster 'c1' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)",
            TemplateValidator.CellTemplateWrite(Cell("gw", Window30), Cell("gw"), clusters, Stored(Cell("gw"))));
        Assert.Null(TemplateValidator.CellTemplateWrite(Cell("gw", """{"multigateway":{"buffer":{"window":"15s"}}}"""), Cell("gw"), clusters, Stored(Cell("gw"))));
    }

    [Fact]
    public void Consumers_are_found_through_templateDefaults_and_the_implicit_default()
    {
        const string bare = """[{"name":"zone-a","zoneId":"use1-az1","spec":{"multigateway":{"buffer":{"maxFailoverDuration":"20s"}}}}]""";
        var viaDefaults = new[] { Cluster("c2", bare, """{"cellTemplate":"gw"}""") };
        Assert.Equal("MultigresCluster 'c2' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)",
            TemplateValidator.CellTemplateWrite(Cell("gw", Window30), Cell("gw"), viaDefaults, Stored(Cell("gw"))));

        // Creating `default` after its consumers exist: they resolved against nothing until now.
        var implicitly = new[] { Cluster("c3", bare) };
        Assert.Equal("MultigresCluster 'c3' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)",
            TemplateValidator.CellTemplateWrite(Cell("default", Window30), null, implicitly, Stored()));
        Assert.Null(TemplateValidator.CellTemplateWrite(Cell("gw", Window30), null, implicitly, Stored()));
    }

    [Fact]
    public void Unset_fields_are_named_when_the_consumer_relies_on_the_binary_defaults()
    {
        var clusters = new[] { Cluster("c1", """[{"name":"zone-a","zoneId":"use1-az1","cellTemplate":"gw"}]""") };
        Assert.Equal($"MultigresCluster 'c1' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s); {Defaults}",
            TemplateValidator.CellTemplateWrite(Cell("gw", Window30), Cell("gw"), clusters, Stored(Cell("gw"))));
    }

    [Fact]
    public void Cells_of_other_templates_and_clusters_being_deleted_are_not_consulted()
    {
        var other = Cluster("c1", ZoneAMax20.Replace("\"gw\"", "\"other\"", StringComparison.Ordinal));
        var deleting = Cluster("c2", ZoneAMax20, deleting: true);
        Assert.Null(TemplateValidator.CellTemplateWrite(Cell("gw", Window30), Cell("gw"), [other, deleting], Stored(Cell("gw"), Cell("other"))));
    }

    [Fact]
    public void A_consumer_already_broken_by_the_stored_template_does_not_block_the_write()
    {
        var clusters = new[] { Cluster("legacy", ZoneAMax20), Cluster("fine", ZoneAMax20.Replace("20s", "60s", StringComparison.Ordinal)) };
        var stored = Cell("gw", """{"multigateway":{"buffer":{"window":"40s"}}}""");
        Assert.Null(TemplateValidator.CellTemplateWrite(Cell("gw", Window30), stored, clusters, Stored(stored)));

        // The same write against a stored template the legacy cluster was fine with is what breaks it.
        var good = Cell("gw", """{"multigateway":{"buffer":{"window":"5s"}}}""");
        Assert.Equal("MultigresCluster 'legacy' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)",
            TemplateValidator.CellTemplateWrite(Cell("gw", Window30), good, clusters, Stored(good)));
    }

    [Fact]
    public void A_metadata_only_CellTemplate_update_passes_even_with_a_broken_consumer()
    {
        var stored = Cell("gw", Window30);
        var relabelled = stored with { Metadata = new() { Name = "gw", Namespace = "ns", Annotations = new Dictionary<string, string> { ["a"] = "b" } } };
        Assert.Null(TemplateValidator.CellTemplateWrite(relabelled, stored, [Cluster("c1", ZoneAMax20)], Stored()));
    }

    [Fact]
    public void A_failed_cluster_list_refuses_the_write()
    {
        Assert.Equal("failed to list clusters for validation: connection refused",
            TemplateValidator.CellTemplateWrite(Cell("gw", Window30), null, null, Stored(), "connection refused"));
        Assert.Equal("failed to list clusters for validation: connection refused",
            TemplateValidator.TemplateDelete(ApiConstants.ShardTemplateKind, "t", null, null, "connection refused"));
    }

    [Theory]
    [InlineData(ApiConstants.CoreTemplateKind, """{"coreTemplate":"t"}""")]
    [InlineData(ApiConstants.CellTemplateKind, """{"cellTemplate":"t"}""")]
    [InlineData(ApiConstants.ShardTemplateKind, """{"shardTemplate":"t"}""")]
    public void Deleting_an_explicitly_referenced_template_is_refused_unless_the_cluster_is_being_deleted(string kind, string templateDefaults)
    {
        var cells = """[{"name":"zone-a","zoneId":"use1-az1"}]""";
        Assert.Equal($"cannot delete {kind} 't' because it is in use by MultigresCluster 'c1'",
            TemplateValidator.TemplateDelete(kind, "t", [Cluster("c1", cells, templateDefaults)], null));
        Assert.Null(TemplateValidator.TemplateDelete(kind, "t", [Cluster("c1", cells, templateDefaults, deleting: true)], null));
        Assert.Null(TemplateValidator.TemplateDelete(kind, "u", [Cluster("c1", cells, templateDefaults)], null));
    }

    [Fact]
    public void Deleting_the_default_CellTemplate_is_dry_run_against_its_implicit_consumers()
    {
        Assert.True(TemplateValidator.DeleteNeedsTemplates(ApiConstants.CellTemplateKind, "default"));
        Assert.False(TemplateValidator.DeleteNeedsTemplates(ApiConstants.CellTemplateKind, "gw"));
        Assert.False(TemplateValidator.DeleteNeedsTemplates(ApiConstants.ShardTemplateKind, "default"));

        // The cell's window is only valid because `default` raises the failover budget.
        var stored = Cell("default", """{"multigateway":{"buffer":{"maxFailoverDuration":"60s"}}}""");
        var consumer = Cluster("c1", """[{"name":"zone-a","zoneId":"use1-az1","spec":{"multigateway":{"buffer":{"window":"30s"}}}}]""");
        Assert.Equal($"cannot delete CellTemplate 'default': consumers would resolve an invalid config without it: MultigresCluster 'c1' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s); {Defaults}",
            TemplateValidator.TemplateDelete(ApiConstants.CellTemplateKind, "default", [consumer], Stored(stored)));

        // Fine without it, being deleted, or already broken with it: allowed.
        var harmless = Cluster("c2", """[{"name":"zone-a","zoneId":"use1-az1"}]""");
        Assert.Null(TemplateValidator.TemplateDelete(ApiConstants.CellTemplateKind, "default", [harmless], Stored(stored)));
        Assert.Null(TemplateValidator.TemplateDelete(ApiConstants.CellTemplateKind, "default", [Cluster("c1", """[{"name":"zone-a","zoneId":"use1-az1","spec":{"multigateway":{"buffer":{"window":"30s"}}}}]""", deleting: true)], Stored(stored)));
        Assert.Null(TemplateValidator.TemplateDelete(ApiConstants.CellTemplateKind, "default", [consumer], Stored(Cell("default"))));

        // A cell using another template is no implicit consumer of `default`.
        var elsewhere = Cluster("c3", """[{"name":"zone-a","zoneId":"use1-az1","cellTemplate":"gw","overrides":{"multigateway":{"buffer":{"window":"30s"}}}}]""");
        Assert.Null(TemplateValidator.TemplateDelete(ApiConstants.CellTemplateKind, "default", [elsewhere], Stored(stored, Cell("gw", """{"multigateway":{"buffer":{"maxFailoverDuration":"60s"}}}"""))));
    }

    [Fact]
    public void An_explicit_reference_to_default_blocks_its_deletion_before_any_dry_run()
    {
        var explicitRef = Cluster("c1", """[{"name":"zone-a","zoneId":"use1-az1","cellTemplate":"default"}]""");
        Assert.Equal("cannot delete CellTemplate 'default' because it is in use by MultigresCluster 'c1'",
            TemplateValidator.TemplateDelete(ApiConstants.CellTemplateKind, "default", [explicitRef], Stored(Cell("default"))));
    }
}
