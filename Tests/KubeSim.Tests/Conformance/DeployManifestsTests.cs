using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Conformance;

/// <summary>The project's own CRDs and every sample install with plain `kubectl apply` (validation on).</summary>
[Collection(KubeSimCollection.Name)]
public sealed class DeployManifestsTests(KubeSimFixture fixture)
{
    private static string? FindDeployDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "deploy");
            if (Directory.Exists(Path.Combine(candidate, "crds")))
                return candidate;
        }
        return null;
    }

    [Fact]
    public async Task The_project_CRDs_and_all_samples_apply_cleanly()
    {
        var deploy = FindDeployDirectory();
        Assert.True(deploy is not null, "deploy/crds was not found above the test output directory");
        var crds = Directory.GetFiles(Path.Combine(deploy, "crds"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(crds);

        var installed = (await fixture.Kubectl.RunAsync("apply", "-k", Path.Combine(deploy, "crds"))).EnsureSuccess();
        Assert.Equal(crds.Count, installed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var samples = Path.Combine(deploy, "samples");
        // Templates first: clusters refer to them by name.
        var ordered = Directory.GetDirectories(samples).Order(StringComparer.Ordinal)
            .Concat(Directory.GetFiles(samples, "*.yaml").Order(StringComparer.Ordinal));
        foreach (var sample in ordered)
        {
            var result = await fixture.Kubectl.RunAsync("apply", "-f", sample);
            Assert.True(result.ExitCode == 0, $"kubectl apply -f {Path.GetFileName(sample)}: {result}");
            Assert.DoesNotContain("Warning", result.Stderr, StringComparison.Ordinal);
        }

        var clusters = (await fixture.Kubectl.RunAsync("get", "multigresclusters", "-n", "default", "-o", "name")).EnsureSuccess();
        Assert.NotEqual("", clusters.Stdout.Trim());

        // The Shard's scale subresource, as `kubectl scale` uses it.
        var ns = await fixture.NewNamespaceAsync("shard-scale");
        (await fixture.Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], MinimalShard)).EnsureSuccess();
        (await fixture.Kubectl.RunAsync("scale", "-n", ns, "shard", "s1", "--replicas=3")).EnsureSuccess();
        var replicas = (await fixture.Kubectl.RunAsync("get", "-n", ns, "shard", "s1", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess();
        Assert.Equal("3", replicas.Stdout);
    }

    private const string MinimalShard = """
        apiVersion: multigres.com/v1alpha1
        kind: Shard
        metadata: {name: s1}
        spec:
          databaseName: db
          tableGroupName: tg
          shardName: s0
          replicas: 1
          images: {multiorch: "multiorch:1", multipooler: "multipooler:1", postgres: "postgres:17"}
          globalTopoServer: {address: "etcd:2379", rootPath: /multigres/global, implementation: etcd}
          multiorch: {}
          pools: {}
          postgresPasswordSecretRef: {name: pw, key: password}
        """;
}
