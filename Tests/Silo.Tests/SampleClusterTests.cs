using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Naming;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// Every other valid reference sample, applied as written (in its own namespace, with the templates and
/// password Secret it needs), converges to Healthy with one Cell CR per cell named as spec §4.2 says.
/// Each cluster is deleted at the end so it stops reconciling against the shared test etcd.
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class SampleClusterTests(OperatorFixture fixture)
{
    [Theory]
    [InlineData("no-templates.yaml", "inline")]
    [InlineData("overrides.yaml", "overrides-cluster", "templates")]
    [InlineData("templated-cluster.yaml", "standard-ha-cluster", "templates")]
    [InlineData("external-etcd.yaml", "ext-etcd")]
    [InlineData("topology.yaml", "topology")]
    public async Task A_sample_converges_to_Healthy_with_the_cells_of_its_spec(string file, string cluster, string? templates = null)
    {
        var ns = await fixture.NewNamespaceAsync("sample");
        await ApplyFileAsync(Path.Combine(RepositoryPaths.Samples, "postgres-password-secret.yaml"), ns);
        if (templates is not null)
        {
            foreach (var template in Directory.GetFiles(Path.Combine(RepositoryPaths.Samples, templates), "*.yaml").Order(StringComparer.Ordinal))
                await ApplyFileAsync(template, ns);
        }

        await ApplyFileAsync(Path.Combine(RepositoryPaths.Samples, file), ns);
        var healthy = await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "mgc", cluster, "-n", ns, "-o", "json"),
            r => r.ExitCode == 0 && JsonNode.Parse(r.Stdout)?["status"]?["phase"]?.GetValue<string>() == "Healthy",
            $"{file}: MultigresCluster {cluster} to be Healthy\n{fixture.SiloLogs}", TimeSpan.FromSeconds(120));
        var stored = JsonNode.Parse(healthy.Stdout)!;
        var cells = stored["spec"]!["cells"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(cells);
        Assert.Equal(cells.Order(StringComparer.Ordinal), stored["status"]!["cells"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        var cellCrs = await fixture.Kubectl.RunAsync("get", "cells", "-n", ns, "-o", "json");
        Assert.Equal(
            cells.Select(c => ResourceNames.CellName(cluster, c)).Order(StringComparer.Ordinal),
            JsonNode.Parse(cellCrs.Stdout)!["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        OperatorFixture.Ok(await fixture.Kubectl.RunAsync("delete", "mgc", cluster, "-n", ns, "--wait=true", "--timeout=60s"));
    }

    /// <summary>Apply a sample file into <paramref name="ns"/> (the samples say <c>namespace: default</c>).</summary>
    private async Task ApplyFileAsync(string path, string ns) =>
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"],
            (await File.ReadAllTextAsync(path)).Replace("namespace: default", $"namespace: {ns}", StringComparison.Ordinal)));
}
