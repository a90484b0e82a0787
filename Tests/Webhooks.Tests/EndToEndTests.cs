using System.Text;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>Admission through KubeSim with the real kubectl: defaults stored, exact denials, warnings, guards.</summary>
public sealed class EndToEndTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    private static readonly ApiResource Clusters = new("multigres.com", "v1alpha1", "multigresclusters", true, "MultigresCluster");

    private static string MinimalYaml => File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "minimal.yaml"));

    [Fact]
    public async Task The_bootstrap_stored_both_secrets_and_patched_the_ca_bundle_into_both_configurations()
    {
        var secrets = fixture.Client.Dynamic(KnownResources.Secrets);
        Assert.NotNull(await secrets.TryGetAsync("multigres-operator-ca-secret", EndToEndFixture.OperatorNamespace));
        Assert.NotNull(await secrets.TryGetAsync("multigres-webhook-certs", EndToEndFixture.OperatorNamespace));
        var caBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(fixture.Authority.CertificatePem));
        foreach (var (resource, name) in new[]
        {
            (KnownResources.MutatingWebhookConfigurations, WebhookConfigurations.MutatingName),
            (KnownResources.ValidatingWebhookConfigurations, WebhookConfigurations.ValidatingName),
        })
        {
            var configuration = await fixture.Client.Dynamic(resource).GetAsync(name);
            Assert.Equal("self-signed", configuration["metadata"]!["annotations"]!["multigres.com/cert-strategy"]!.GetValue<string>());
            Assert.All(configuration["webhooks"]!.AsArray(), w =>
            {
                Assert.Equal(caBundle, w!["clientConfig"]!["caBundle"]!.GetValue<string>());
                Assert.Equal(EndToEndFixture.ServiceName, w["clientConfig"]!["service"]!["name"]!.GetValue<string>());
                Assert.NotNull(w["rules"]);
            });
        }
        // A second run keeps what is valid.
        var (again, _) = await fixture.Bootstrap.EnsureAsync();
        Assert.Equal(fixture.Authority.CertificatePem, again.CertificatePem);
    }

    [Fact]
    public async Task Applying_the_minimal_sample_stores_a_fully_defaulted_spec_and_shows_the_warning()
    {
        var applied = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], MinimalYaml);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("Warning: cell 'zone-a': no nodes currently match topology.k8s.aws/zone-id=us-central1-a; pods will be Pending until matching nodes are available", applied.Stderr, StringComparison.Ordinal);

        var stored = await fixture.Client.Dynamic(Clusters).GetAsync("minimal", "default");
        Assert.NotNull(stored["spec"]!["databases"]);
        Assert.NotNull(stored["spec"]!["globalTopoServer"]);
        // Defaulting the stored spec again changes nothing: it is complete.
        var again = MutationPatch.Compute(stored, InMemoryTemplateSource.Empty);
        Assert.True(again.Patch.Count == 0, again.Patch.ToJsonString());
    }

    [Fact]
    public async Task An_invalid_cluster_is_rejected_with_the_exact_message()
    {
        var cluster = MinimalYaml.Replace("name: minimal", "name: bad-pool", StringComparison.Ordinal) + """
              databases:
                - name: postgres
                  default: true
                  tablegroups:
                    - name: default
                      default: true
                      shards:
                        - name: "0-inf"
                          spec:
                            multiorch:
                              cells: ["zone-a"]
                            pools:
                              main:
                                type: readWrite
                                cells: ["zone-b"]
            """;
        var applied = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], cluster);
        Assert.NotEqual(0, applied.ExitCode);
        Assert.Contains("admission webhook \"vmultigrescluster.kb.io\" denied the request: pool 'main' in shard '0-inf' is assigned to non-existent cell 'zone-b'", applied.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_with_invalid_postgres_config_is_rejected_with_the_exact_message()
    {
        var cluster = MinimalYaml.Replace("name: minimal", "name: bad-guc", StringComparison.Ordinal) + """
              databases:
                - name: postgres
                  default: true
                  tablegroups:
                    - name: default
                      default: true
                      shards:
                        - name: "0-inf"
                          spec:
                            postgresConfig:
                              work_mem: "lots"
                              port: "5433"
                              cron.database_name: app
                              max_conections: "100"
            """;
        var applied = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], cluster);
        Assert.NotEqual(0, applied.ExitCode);
        Assert.Contains(
            "admission webhook \"vmultigrescluster.kb.io\" denied the request: database \"postgres\" tablegroup \"default\" shard \"0-inf\": invalid postgresConfig: "
            + "unknown parameter \"max_conections\"; parameter \"port\" is managed by the operator and cannot be set: pinned by the operator on the pgctld command line; "
            + "parameter \"work_mem\" expects a integer value, got \"lots\"",
            applied.Stderr, StringComparison.Ordinal);
        var get = await fixture.Kubectl.RunAsync("get", "multigrescluster", "bad-guc", "-n", "default");
        Assert.NotEqual(0, get.ExitCode);
    }

    [Fact]
    public async Task A_CellTemplate_edit_that_would_break_a_consuming_cluster_is_rejected()
    {
        const string ns = "celltemplate-consumers";
        Assert.Equal(0, (await fixture.Kubectl.RunAsync("create", "namespace", ns)).ExitCode);
        static string Template(string window) => $$"""
            apiVersion: multigres.com/v1alpha1
            kind: CellTemplate
            metadata:
              name: gw
              namespace: celltemplate-consumers
            spec:
              multigateway:
                buffer:
                  window: {{window}}
            """;
        var created = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Template("5s"));
        Assert.True(created.ExitCode == 0, created.ToString());
        var cluster = MinimalYaml.Replace("name: minimal", "name: gw-consumer", StringComparison.Ordinal)
            .Replace("namespace: default", "namespace: " + ns, StringComparison.Ordinal) + """
                  cellTemplate: gw
                  overrides:
                    multigateway:
                      buffer:
                        maxFailoverDuration: 20s
            """;
        var applied = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], cluster);
        Assert.True(applied.ExitCode == 0, applied.ToString());

        var edited = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Template("30s"));
        Assert.NotEqual(0, edited.ExitCode);
        Assert.Contains("admission webhook \"vcelltemplate.kb.io\" denied the request: MultigresCluster 'gw-consumer' cell 'zone-a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)",
            edited.Stderr, StringComparison.Ordinal);
        var harmless = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Template("15s"));
        Assert.True(harmless.ExitCode == 0, harmless.ToString());
    }

    [Fact]
    public async Task A_shard_written_by_a_user_is_denied()
    {
        const string shard = """
            apiVersion: multigres.com/v1alpha1
            kind: Shard
            metadata:
              name: hand-made
              namespace: default
            spec:
              databaseName: postgres
              tableGroupName: default
              shardName: "0-inf"
              images:
                multiorch: multiorch:latest
                multipooler: multipooler:latest
                postgres: postgres:17
              globalTopoServer:
                address: etcd:2379
                rootPath: /multigres
                implementation: etcd2
              multiorch: {}
              pools: {}
              postgresPasswordSecretRef:
                name: multigres-admin-password
                key: password
            """;
        var applied = await fixture.Kubectl.RunAsync(["create", "-f", "-"], shard);
        Assert.NotEqual(0, applied.ExitCode);
        Assert.Contains("direct modification of Shard is prohibited; this resource is managed by the MultigresCluster parent object", applied.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_referenced_template_is_denied()
    {
        const string template = """
            apiVersion: multigres.com/v1alpha1
            kind: CoreTemplate
            metadata:
              name: core1
              namespace: default
            spec: {}
            """;
        Assert.Equal(0, (await fixture.Kubectl.RunAsync(["apply", "-f", "-"], template)).ExitCode);
        var cluster = MinimalYaml.Replace("name: minimal", "name: uses-core1", StringComparison.Ordinal)
            .Replace("  pvcDeletionPolicy:", "  templateDefaults:\n    coreTemplate: core1\n  pvcDeletionPolicy:", StringComparison.Ordinal);
        var applied = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], cluster);
        Assert.True(applied.ExitCode == 0, applied.ToString());

        var deleted = await fixture.Kubectl.RunAsync("delete", "coretemplate", "core1", "-n", "default");
        Assert.NotEqual(0, deleted.ExitCode);
        Assert.Contains("cannot delete CoreTemplate 'core1' because it is in use by MultigresCluster 'uses-core1'", deleted.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_webhooks_own_rbac_lets_it_bootstrap_judge_and_guard_without_a_single_refusal()
    {
        // Admission reads templates, nodes and StorageClasses; the guard lists clusters; the bootstrap
        // (at start-up) wrote Secrets and caBundles. All as the webhook's service account, under
        // deploy/webhooks' RBAC as KubeSim enforces it.
        var applied = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], MinimalYaml.Replace("name: minimal", "name: rbac-coverage", StringComparison.Ordinal));
        Assert.True(applied.ExitCode == 0, applied.ToString());
        const string unused = """
            apiVersion: multigres.com/v1alpha1
            kind: CoreTemplate
            metadata:
              name: rbac-unused
              namespace: default
            spec: {}
            """;
        Assert.Equal(0, (await fixture.Kubectl.RunAsync(["apply", "-f", "-"], unused)).ExitCode);
        var deleted = await fixture.Kubectl.RunAsync("delete", "coretemplate", "rbac-unused", "-n", "default");
        Assert.True(deleted.ExitCode == 0, deleted.ToString()); // the guard listed the clusters and found no consumer

        var mine = fixture.Sim.Counters.Snapshot().Where(p => p.Key.User == EndToEndFixture.WebhookUser).ToList();
        Assert.Contains(mine, p => p.Key.Resource == "secrets" && p.Key.Verb == "create" && p.Key.Status is 200 or 201);
        Assert.Contains(mine, p => p.Key.Resource == "storageclasses" && p.Key.Status == 200);
        var forbidden = mine.Where(p => p.Key.Status == 403).Select(p => $"{p.Key.Verb} {p.Key.Resource} ×{p.Value}").ToList();
        Assert.True(forbidden.Count == 0, "deploy/webhooks' RBAC refused the webhook: " + string.Join(", ", forbidden));
    }
}
