using System.Text.Json.Nodes;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>The registered webhooks match spec §2.1 and §3's table: paths, resources and operations.</summary>
public sealed class WebhookConfigurationTests
{
    [Fact]
    public void Each_validating_webhook_registers_the_operations_of_the_spec()
    {
        var configuration = WebhookConfigurations.ValidatingConfiguration("multigres-operator", "svc");
        var registered = configuration["webhooks"]!.AsArray().ToDictionary(
            w => w!["name"]!.GetValue<string>(),
            w => (Path: w!["clientConfig"]!["service"]!["path"]!.GetValue<string>(),
                  Resource: w["rules"]![0]!["resources"]![0]!.GetValue<string>(),
                  Operations: string.Join(",", w["rules"]![0]!["operations"]!.AsArray().Select(o => o!.GetValue<string>()))));
        var expected = new Dictionary<string, (string, string, string)>
        {
            ["vmultigrescluster.kb.io"] = ("/validate-multigres-com-v1alpha1-multigrescluster", "multigresclusters", "CREATE,UPDATE"),
            ["vcoretemplate.kb.io"] = ("/validate-multigres-com-v1alpha1-coretemplate", "coretemplates", "DELETE"),
            ["vcelltemplate.kb.io"] = ("/validate-multigres-com-v1alpha1-celltemplate", "celltemplates", "CREATE,UPDATE,DELETE"),
            ["vshardtemplate.kb.io"] = ("/validate-multigres-com-v1alpha1-shardtemplate", "shardtemplates", "CREATE,UPDATE,DELETE"),
            ["vcell.kb.io"] = ("/validate-multigres-com-v1alpha1-cell", "cells", "CREATE,UPDATE,DELETE"),
            ["vshard.kb.io"] = ("/validate-multigres-com-v1alpha1-shard", "shards", "CREATE,UPDATE,DELETE"),
            ["vtoposerver.kb.io"] = ("/validate-multigres-com-v1alpha1-toposerver", "toposervers", "CREATE,UPDATE,DELETE"),
            ["vtablegroup.kb.io"] = ("/validate-multigres-com-v1alpha1-tablegroup", "tablegroups", "CREATE,UPDATE,DELETE"),
        };
        Assert.Equal(expected.Count, registered.Count);
        foreach (var (name, value) in expected)
            Assert.Equal(value, registered[name]);
        Assert.All(configuration["webhooks"]!.AsArray(), w => Assert.Equal("Fail", w!["failurePolicy"]!.GetValue<string>()));
    }

    [Fact]
    public void The_mutating_webhook_covers_cluster_create_and_update()
    {
        var webhook = WebhookConfigurations.Mutating("multigres-operator", "svc")["webhooks"]!.AsArray().Single()!;
        Assert.Equal("mmultigrescluster.kb.io", webhook["name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(new JsonArray("CREATE", "UPDATE"), webhook["rules"]![0]!["operations"]));
    }
}
