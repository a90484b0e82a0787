using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// GUC validation and the CellTemplate checks (spec §3.1 A2, §3.2) through the HTTPS endpoints with
/// in-memory admission data: the handler gathers the namespace's clusters and stored templates and
/// the pure validators decide.
/// </summary>
[Collection(WebhookCollection.Name)]
public sealed class TemplateAdmissionTests(WebhookFixture fixture)
{
    private const string ValidateCluster = "/validate-multigres-com-v1alpha1-multigrescluster";
    private const string ValidateCellTemplate = "/validate-multigres-com-v1alpha1-celltemplate";
    private const string ValidateShardTemplate = "/validate-multigres-com-v1alpha1-shardtemplate";

    private static string? Message(JsonNode? body) => body?["response"]?["status"]?["message"]?.GetValue<string>();

    private static bool Allowed(JsonNode? body) => body!["response"]!["allowed"]!.GetValue<bool>();

    private static JsonObject Spec(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>The minimal sample with one shard whose inline spec carries <paramref name="postgresConfig"/>.</summary>
    private static JsonObject ClusterWithPostgresConfig(string ns, string postgresConfig)
    {
        var cluster = MinimalCluster(ns);
        cluster["spec"]!["databases"] = JsonNode.Parse($$$"""
            [{"name":"postgres","default":true,"tablegroups":[{"name":"default","default":true,"shards":[{"name":"0-inf",
              "spec":{"postgresConfig":{{{postgresConfig}}}}}]}]}]
            """);
        return cluster;
    }

    /// <summary>A stored cluster of <paramref name="ns"/> (what the data source lists) with the given cells.</summary>
    private MultigresCluster StoreCluster(string ns, string name, string cells)
    {
        var json = MinimalCluster(ns);
        json["metadata"]!["name"] = name;
        json["spec"]!["cells"] = JsonNode.Parse(cells);
        var cluster = json.Deserialize(MultigresJsonContext.Default.MultigresCluster)!;
        fixture.Data.Clusters.Add(cluster);
        return cluster;
    }

    private void StoreCellTemplate(JsonObject template) =>
        fixture.Data.CellTemplates.Add(template.Deserialize(MultigresJsonContext.Default.CellTemplate)!);

    [Fact]
    public async Task A_cluster_with_invalid_postgres_config_is_denied_with_every_problem()
    {
        var ns = fixture.NewNamespace("guc");
        var cluster = ClusterWithPostgresConfig(ns, """{"work_mem":"lots","listen_addresses":"*","shared_bufers":"1GB","cron.database_name":"app"}""");
        var (_, body, _) = await fixture.PostAsync(ValidateCluster, Review("CREATE", cluster));
        Assert.False(Allowed(body));
        Assert.Equal(
            "database \"postgres\" tablegroup \"default\" shard \"0-inf\": invalid postgresConfig: "
            + "parameter \"listen_addresses\" is managed by the operator and cannot be set: pinned by the operator on the pgctld command line; "
            + "unknown parameter \"shared_bufers\"; parameter \"work_mem\" expects a integer value, got \"lots\"",
            Message(body));

        var valid = ClusterWithPostgresConfig(ns, """{"work_mem":"64MB","enable_seqscan":"off","cron.database_name":"app"}""");
        var (_, allowed, _) = await fixture.PostAsync(ValidateCluster, Review("CREATE", valid));
        Assert.True(Allowed(allowed), allowed!.ToJsonString());
    }

    [Fact]
    public async Task A_ShardTemplate_postgres_config_is_checked_after_its_pool_names()
    {
        var ns = fixture.NewNamespace("guc-tpl");
        var bad = Object("ShardTemplate", ns, "t", Spec("""{"pools":{"main":{"type":"readWrite"}},"postgresConfig":{"wal_level":"minimal"}}"""));
        var (_, body, _) = await fixture.PostAsync(ValidateShardTemplate, Review("CREATE", bad));
        Assert.Equal("invalid postgresConfig: parameter \"wal_level\" is managed by the operator and cannot be set: managed by the operator; multigres requires wal_level=logical", Message(body));

        var both = Object("ShardTemplate", ns, "t", Spec("""{"pools":{"Main":{"type":"readWrite"}},"postgresConfig":{"wal_level":"minimal"}}"""));
        (_, body, _) = await fixture.PostAsync(ValidateShardTemplate, Review("CREATE", both));
        Assert.StartsWith("pool name 'Main' is invalid", Message(body), StringComparison.Ordinal);

        var relabelled = (JsonObject)bad.DeepClone();
        relabelled["metadata"]!["labels"] = new JsonObject { ["team"] = "db" };
        (_, body, _) = await fixture.PostAsync(ValidateShardTemplate, Review("UPDATE", relabelled, bad));
        Assert.True(Allowed(body));
    }

    [Fact]
    public async Task A_CellTemplate_update_that_breaks_a_consumer_is_denied_unless_it_was_already_broken()
    {
        var ns = fixture.NewNamespace("celltpl-consumer");
        var stored = Object("CellTemplate", ns, "gw", Spec("""{"multigateway":{"buffer":{"window":"5s"}}}"""));
        StoreCellTemplate(stored);
        StoreCluster(ns, "c1", """[{"name":"zone-a","zoneId":"use1-az1","cellTemplate":"gw","overrides":{"multigateway":{"buffer":{"maxFailoverDuration":"20s"}}}}]""");
        StoreCluster(ns, "other", """[{"name":"zone-a","zoneId":"use1-az1","spec":{"multigateway":{"buffer":{"maxFailoverDuration":"20s"}}}}]""");

        var incoming = Object("CellTemplate", ns, "gw", Spec("""{"multigateway":{"buffer":{"window":"30s"}}}"""));
        var (_, body, _) = await fixture.PostAsync(ValidateCellTemplate, Review("UPDATE", incoming, stored));
        Assert.Equal("MultigresCluster 'c1' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)", Message(body));

        var fine = Object("CellTemplate", ns, "gw", Spec("""{"multigateway":{"buffer":{"window":"15s"}}}"""));
        (_, body, _) = await fixture.PostAsync(ValidateCellTemplate, Review("UPDATE", fine, stored));
        Assert.True(Allowed(body), body!.ToJsonString());
    }

    [Fact]
    public async Task A_CellTemplate_update_is_allowed_when_the_stored_template_breaks_the_consumer_equally()
    {
        var ns = fixture.NewNamespace("celltpl-ratchet");
        var stored = Object("CellTemplate", ns, "gw", Spec("""{"multigateway":{"buffer":{"window":"40s"}}}"""));
        StoreCellTemplate(stored);
        StoreCluster(ns, "legacy", """[{"name":"zone-a","zoneId":"use1-az1","cellTemplate":"gw","overrides":{"multigateway":{"buffer":{"maxFailoverDuration":"20s"}}}}]""");

        var incoming = Object("CellTemplate", ns, "gw", Spec("""{"multigateway":{"buffer":{"window":"30s"}}}"""));
        var (_, body, _) = await fixture.PostAsync(ValidateCellTemplate, Review("UPDATE", incoming, stored));
        Assert.True(Allowed(body), body!.ToJsonString());
    }

    [Fact]
    public async Task Creating_the_default_CellTemplate_is_checked_against_its_implicit_consumers()
    {
        var ns = fixture.NewNamespace("celltpl-default");
        StoreCluster(ns, "implicit", """[{"name":"zone-a","zoneId":"use1-az1","spec":{"multigateway":{"buffer":{"maxFailoverDuration":"20s"}}}}]""");
        var template = Object("CellTemplate", ns, "default", Spec("""{"multigateway":{"buffer":{"window":"30s"}}}"""));
        var (_, body, _) = await fixture.PostAsync(ValidateCellTemplate, Review("CREATE", template));
        Assert.Equal("MultigresCluster 'implicit' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)", Message(body));
    }

    [Fact]
    public async Task Deleting_the_default_CellTemplate_is_dry_run_against_its_implicit_consumers()
    {
        var ns = fixture.NewNamespace("celltpl-delete");
        var stored = Object("CellTemplate", ns, "default", Spec("""{"multigateway":{"buffer":{"maxFailoverDuration":"60s"}}}"""));
        StoreCellTemplate(stored);
        StoreCluster(ns, "c1", """[{"name":"zone-a","zoneId":"use1-az1","spec":{"multigateway":{"buffer":{"window":"30s"}}}}]""");

        var (_, body, _) = await fixture.PostAsync(ValidateCellTemplate, Review("DELETE", null, stored));
        Assert.Equal(
            "cannot delete CellTemplate 'default': consumers would resolve an invalid config without it: MultigresCluster 'c1' cell 'zone-a': "
            + "multigateway buffer window (30s) must be <= maxFailoverDuration (20s); unset fields use the multigateway defaults (window 10s, maxFailoverDuration 20s)",
            Message(body));

        // Another template of the same namespace is deleted without a dry-run.
        var other = Object("CellTemplate", ns, "spare");
        (_, body, _) = await fixture.PostAsync(ValidateCellTemplate, Review("DELETE", null, other));
        Assert.True(Allowed(body));
    }
}
