using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Grains.Tests.Validation;

/// <summary>The MultigresCluster validating webhook (spec §3.1) on defaulted clusters, as admission sees them.</summary>
public sealed class MultigresClusterValidatorTests
{
    private static readonly StorageClassInfo DefaultClass = new("gp3", new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = "true" });
    private static readonly IReadOnlyList<IReadOnlyDictionary<string, string>> NoNodes = [];

    private static (MultigresCluster Cluster, InMemoryTemplateSource Templates) Sample(string file, params string[] templateFiles)
    {
        var objects = templateFiles.Append(file)
            .SelectMany(f => ManifestReader.ReadAll(File.ReadAllText(Path.Combine(RepositoryPaths.Samples, f))))
            .Select(m => m.Object)
            .ToList();
        var templates = new InMemoryTemplateSource(objects.OfType<CoreTemplate>(), objects.OfType<CellTemplate>(), objects.OfType<ShardTemplate>());
        return (objects.OfType<MultigresCluster>().Single(), templates);
    }

    private static AdmissionVerdict Admit(MultigresCluster cluster, ITemplateSource templates, IReadOnlyList<StorageClassInfo>? classes = null, IReadOnlyList<IReadOnlyDictionary<string, string>>? nodes = null, MultigresCluster? old = null)
    {
        var defaulted = Defaulter.Default(cluster, templates).Cluster;
        return MultigresClusterValidator.Validate(defaulted, old, new ClusterValidationContext(templates, nodes ?? NoNodes, classes ?? [DefaultClass]));
    }

    [Fact]
    public void Minimal_is_accepted_with_the_rwo_backup_and_zone_warnings()
    {
        var (cluster, templates) = Sample("minimal.yaml");
        var verdict = Admit(cluster, templates);
        Assert.True(verdict.IsAllowed, verdict.Error);
        Assert.Equal(
            [
                "cell 'zone-a': no nodes currently match topology.k8s.aws/zone-id=us-central1-a; pods will be Pending until matching nodes are available",
                "Shard '0-inf' uses filesystem backups with ReadWriteOnce (RWO) storage but 2 poolers mount the shard-wide backup PVC. This configuration may fail when poolers are scheduled on different nodes. Configure ReadWriteMany (RWX) storage, ensure node affinity, or use S3 backups.",
            ],
            verdict.Warnings);
    }

    [Fact]
    public void Matching_nodes_silence_the_zone_warning()
    {
        var (cluster, templates) = Sample("minimal.yaml");
        var nodes = new List<IReadOnlyDictionary<string, string>> { new Dictionary<string, string> { ["topology.k8s.aws/zone-id"] = "us-central1-a" } };
        Assert.DoesNotContain(Admit(cluster, templates, nodes: nodes).Warnings, w => w.StartsWith("cell ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("no-templates.yaml")]
    [InlineData("topology.yaml")]
    [InlineData("templated-cluster.yaml", "templates/core.yaml", "templates/cell.yaml", "templates/shard.yaml")]
    [InlineData("overrides.yaml", "templates/core.yaml", "templates/cell.yaml", "templates/shard.yaml")]
    [InlineData("external-etcd.yaml")]
    [InlineData("eks-multi-az.yaml")]
    [InlineData("minimal.yaml", "default-templates/core.yaml", "default-templates/cell.yaml", "default-templates/shard.yaml")]
    public void Every_valid_sample_is_accepted(string file, params string[] templates)
    {
        var (cluster, source) = Sample(file, templates);
        var verdict = Admit(cluster, source);
        Assert.True(verdict.IsAllowed, $"{file}: {verdict.Error}");
    }

    [Fact]
    public void The_overrides_sample_warns_about_its_new_pool()
    {
        var (cluster, templates) = Sample("overrides.yaml", "templates/core.yaml", "templates/cell.yaml", "templates/shard.yaml");
        Assert.Contains("Pool 'analytics' defined in overrides for shard '0-inf' does not exist in template 'standard-shard'. A new pool will be created.", Admit(cluster, templates).Warnings);
    }

    [Fact]
    public void The_eks_guide_needs_a_default_storage_class_for_its_classless_pool()
    {
        var (cluster, templates) = Sample("eks-multi-az.yaml");
        var verdict = Admit(cluster, templates, classes: [new StorageClassInfo("gp2", null)]);
        Assert.StartsWith("no default StorageClass found in the cluster, and no explicit storage class is set for: shard '0-inf' pool 'default' storage.class. PVCs will be stuck in Pending.", verdict.Error, StringComparison.Ordinal);

        var accepted = Admit(cluster, templates);
        Assert.True(accepted.IsAllowed, accepted.Error);
        Assert.DoesNotContain(accepted.Warnings, w => w.Contains("durability", StringComparison.Ordinal) || w.Contains("RWO", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pool_class_from_the_cluster_default_template_counts_unlike_the_reference()
    {
        // Spec §16.30: the reference re-resolves without templateDefaults.shardTemplate here and would
        // reject this cluster although every pool has a class.
        var (cluster, templates) = Sample("templated-cluster.yaml", "templates/core.yaml", "templates/cell.yaml", "templates/shard.yaml");
        var withBackupClass = cluster with
        {
            Spec = cluster.Spec with { Backup = new BackupConfig { Type = BackupType.Filesystem, Filesystem = new FilesystemBackupConfig { Storage = new StorageSpec { Class = "standard" } } } },
        };
        var verdict = Admit(withBackupClass, templates, classes: []);
        Assert.True(verdict.IsAllowed, verdict.Error);

        // The default filesystem backup has no class, so without one the shard's backup is reported.
        Assert.EndsWith("no explicit storage class is set for: shard '0-inf' backup filesystem storage.class. PVCs will be stuck in Pending. Either: (1) Set a default StorageClass: kubectl annotate sc <name> storageclass.kubernetes.io/is-default-class=true, or (2) Set the storage class explicitly in the MultigresCluster spec for each component listed above",
            Admit(cluster, templates, classes: []).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_storage_class_list_failure_is_reported()
    {
        var (cluster, templates) = Sample("minimal.yaml");
        var defaulted = Defaulter.Default(cluster, templates).Cluster;
        var verdict = MultigresClusterValidator.Validate(defaulted, null, new ClusterValidationContext(templates, NoNodes, null, "connection refused"));
        Assert.Equal("failed to check for default StorageClass: connection refused", verdict.Error);
    }

    [Theory]
    [InlineData("templateDefaults: {coreTemplate: gone}", "referenced CoreTemplate 'gone' not found in namespace 'default'")]
    [InlineData("templateDefaults: {shardTemplate: gone}", "referenced ShardTemplate 'gone' not found in namespace 'default'")]
    [InlineData("multiadmin: {templateRef: nope}", "referenced CoreTemplate 'nope' not found in namespace 'default'")]
    public void Missing_templates_are_rejected_first(string specLine, string expected)
    {
        var cluster = Cluster($"  {specLine}\n  cells: [{{name: a, zoneId: z1}}]");
        Assert.Equal(expected, MultigresClusterValidator.Validate(cluster, null, new ClusterValidationContext(InMemoryTemplateSource.Empty, NoNodes, [DefaultClass])).Error);
    }

    [Theory]
    [InlineData("pools: {main: {cells: [a, zz]}}", "pool 'main' in shard '0-inf' is assigned to non-existent cell 'zz'")]
    [InlineData("multiorch: {cells: [q]}\n                pools: {main: {cells: [a]}}", "shard '0-inf' is assigned to non-existent cell 'q'")]
    [InlineData("pools: {Main_Pool: {cells: [a]}}", "shard '0-inf': pool name 'Main_Pool' is invalid: must consist of lowercase alphanumeric characters or '-', and must start and end with an alphanumeric character")]
    [InlineData("pools: {main: {cells: [a], postgres: {runAsUser: 1000}, multipooler: {runAsUser: 999}}}", "shard '0-inf' pool 'main': postgres runAsUser 1000 and multipooler runAsUser 999 must match because both access PGDATA")]
    [InlineData("pools: {main: {cells: [a], multipooler: {runAsUser: 999}}}", "shard '0-inf' pool 'main': multipooler runAsUser 999 requires matching postgres runAsUser because both access PGDATA")]
    [InlineData("pools: {main: {cells: [a], postgres: {resources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}}}}", "shard '0-inf' pool 'main' postgres: resource memory limit (1Gi) must be >= request (2Gi)")]
    [InlineData("multiorch: {resources: {requests: {cpu: 2}, limits: {cpu: 1}}}\n                pools: {main: {cells: [a]}}", "shard '0-inf' multiorch: resource cpu limit (1) must be >= request (2)")]
    public void Shard_logic_errors_carry_the_reference_messages(string shardSpec, string expected)
    {
        var cluster = Cluster($$"""
              cells: [{name: a, zoneId: z1}, {name: b, zoneId: z2}]
              databases:
                - name: postgres
                  default: true
                  tablegroups:
                    - name: default
                      default: true
                      shards:
                        - name: 0-inf
                          spec:
                            {{shardSpec}}
            """);
        Assert.Equal(expected, Admit(cluster, InMemoryTemplateSource.Empty).Error);
    }

    [Theory]
    [InlineData("AT_LEAST_2", 1, "[a]", "pool 'main' in shard '0-inf' has replicasPerCell=1 across 1 cell(s) (1 total); durability policy \"AT_LEAST_2\" requires at least 2 total poolers.")]
    [InlineData("MULTI_CELL_AT_LEAST_2", 3, "[a]", "pool 'main' in shard '0-inf' spans 1 cell(s); durability policy \"MULTI_CELL_AT_LEAST_2\" requires at least 2 distinct cells.")]
    [InlineData("AT_LEAST_2", 1, "[a, b]", null)]
    [InlineData("MULTI_CELL_AT_LEAST_2", 1, "[a, b]", null)]
    public void Durability_that_cannot_be_achieved_is_warned_about(string policy, int replicas, string cells, string? expected)
    {
        var cluster = Cluster($$"""
              durabilityPolicy: {{policy}}
              cells: [{name: a, zoneId: z1}, {name: b, zoneId: z2}]
              databases:
                - name: postgres
                  default: true
                  tablegroups:
                    - name: default
                      default: true
                      shards:
                        - name: 0-inf
                          spec:
                            pools:
                              main: {cells: {{cells}}, replicasPerCell: {{replicas}}}
            """);
        var verdict = Admit(cluster, InMemoryTemplateSource.Empty);
        Assert.True(verdict.IsAllowed, verdict.Error);
        var durability = verdict.Warnings.Where(w => w.Contains("durability policy", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected is null ? [] : [expected], durability);
    }

    [Fact]
    public void A_gateway_resolved_with_a_bad_buffer_is_rejected()
    {
        var cluster = Cluster("  cells: [{name: a, zoneId: z1, spec: {multigateway: {buffer: {window: 30s}}}}]");
        Assert.Equal(
            "validation failed: cell 'a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s); unset fields use the multigateway defaults (window 10s, maxFailoverDuration 20s)",
            Admit(cluster, InMemoryTemplateSource.Empty).Error);
    }

    [Fact]
    public void Updates_may_not_shrink_storage_or_change_etcd_replicas()
    {
        var (cluster, templates) = Sample("no-templates.yaml");
        var old = Defaulter.Default(cluster, templates).Cluster;
        var shrunk = WithPoolSize(cluster, "50Gi");
        Assert.Equal("storage.size cannot be decreased (postgres/default/0-inf/main: 100Gi \u2192 50Gi); PVC shrink is not supported by Kubernetes",
            Admit(shrunk, templates, old: old).Error);
        Assert.True(Admit(WithPoolSize(cluster, "200Gi"), templates, old: old).IsAllowed);

        var moreEtcd = cluster with { Spec = cluster.Spec with { GlobalTopoServer = cluster.Spec.GlobalTopoServer! with { Etcd = cluster.Spec.GlobalTopoServer.Etcd! with { Replicas = 5 } } } };
        Assert.StartsWith("topology server (etcd) replicas cannot be changed after cluster creation (3 \u2192 5)", Admit(moreEtcd, templates, old: old).Error, StringComparison.Ordinal);
    }

    private static MultigresCluster WithPoolSize(MultigresCluster cluster, string size)
    {
        var database = cluster.Spec.Databases![0];
        var tableGroup = database.TableGroups![0];
        var shard = tableGroup.Shards![0];
        var pools = shard.Spec!.Pools!.ToDictionary(p => p.Key, p => p.Value with { Storage = p.Value.Storage! with { Size = size } });
        var newShard = shard with { Spec = shard.Spec with { Pools = pools } };
        return cluster with
        {
            Spec = cluster.Spec with
            {
                Databases = [database with { TableGroups = [tableGroup with { Shards = [newShard] }] }],
            },
        };
    }

    private static MultigresCluster Cluster(string specBody) =>
        (MultigresCluster)ManifestReader.ReadAll($"""
            apiVersion: multigres.com/v1alpha1
            kind: MultigresCluster
            metadata: {"{"}name: c, namespace: default{"}"}
            spec:
              postgresPasswordSecretRef: {"{"}name: pw, key: password{"}"}
            {specBody}
            """)[0].Object!;
}
