using System.Text.Json.Nodes;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// A template edit reaches the clusters that use it without a resync: the template grain knows its
/// consumers (spec §2 note on template updates) and reconciles each of them.
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class TemplatePropagationTests(OperatorFixture fixture)
{
    [Fact]
    public async Task Editing_a_CoreTemplate_changes_the_multiadmin_of_every_cluster_that_uses_it()
    {
        var ns = await fixture.NewNamespaceAsync("tpl");
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Template(ns, replicas: 1)));
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Cluster(ns, "tpl-a")));
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Cluster(ns, "tpl-b")));
        foreach (var cluster in new[] { "tpl-a", "tpl-b" })
            await ReplicasAsync(ns, cluster, 1);

        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Template(ns, replicas: 3)));

        foreach (var cluster in new[] { "tpl-a", "tpl-b" })
            await ReplicasAsync(ns, cluster, 3);
    }

    private async Task ReplicasAsync(string ns, string cluster, int replicas) =>
        await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "deployment", cluster + "-multiadmin", "-n", ns, "-o", "json"),
            r => r.ExitCode == 0 && JsonNode.Parse(r.Stdout)?["spec"]?["replicas"]?.GetValue<int>() == replicas,
            $"{cluster}-multiadmin to run {replicas} replica(s) from CoreTemplate shared-core\n{fixture.SiloLogs}", TimeSpan.FromSeconds(60));

    private static string Template(string ns, int replicas) => $"""
        apiVersion: multigres.com/v1alpha1
        kind: CoreTemplate
        metadata:
          name: shared-core
          namespace: {ns}
        spec:
          multiadmin:
            replicas: {replicas}
        """;

    private static string Cluster(string ns, string name) =>
        Samples.Minimal(ns, name).Replace("spec:\n", "spec:\n  templateDefaults:\n    coreTemplate: shared-core\n", StringComparison.Ordinal);
}
