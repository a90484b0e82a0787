using System.Diagnostics;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Yaml;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Grains.Abstractions.Tests.Crds;

/// <summary>The real kubectl renders deploy/crds offline into exactly the eight generated CRDs.</summary>
public sealed class KustomizeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Kubectl_kustomize_renders_all_eight_crds()
    {
        var kubectl = File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : throw new InvalidOperationException("kubectl 1.32 is expected at /usr/bin/kubectl (see ../shared/DEPENDENCIES.md)");
        var start = new ProcessStartInfo(kubectl, ["kustomize", RepositoryPaths.Crds])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl kustomize did not finish within {Timeout.TotalSeconds} s");
        }
        Assert.True(process.ExitCode == 0, $"kubectl kustomize exited {process.ExitCode}: {await stderr}");

        var rendered = YamlJson.ParseDocuments(await stdout);
        Assert.Equal(8, rendered.Count);
        Assert.All(rendered, d => Assert.Equal("CustomResourceDefinition", d!["kind"]!.GetValue<string>()));

        // Each rendered CRD is the committed file's content, field for field.
        foreach (var document in rendered)
        {
            var name = document!["metadata"]!["name"]!.GetValue<string>();
            var plural = name.Split('.')[0];
            var committed = YamlJson.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Crds, $"multigres.com_{plural}.yaml")));
            Assert.True(JsonNode.DeepEquals(committed, document), $"kustomize changed {name}");
        }
    }
}
