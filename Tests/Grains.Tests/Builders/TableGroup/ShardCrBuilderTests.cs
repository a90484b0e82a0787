using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.TableGroups;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.TableGroups;

/// <summary>The Shard CR a TableGroup builds (spec §6.2 "Shard CR built by TG").</summary>
public sealed class ShardCrBuilderTests
{
    [Fact]
    public void Minimal_sample_shard_has_the_spec_name_labels_and_owner()
    {
        var shard = ShardCrBuilder.Build(TableGroupFixtures.Minimal(), TableGroupFixtures.Shard("0-inf"));

        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c", shard.Metadata.Name);
        Assert.Equal(("multigres.com/v1alpha1", "Shard", "default"), (shard.ApiVersion, shard.Kind, shard.Metadata.Namespace));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/name"] = "multigres",
                ["app.kubernetes.io/instance"] = "minimal",
                ["app.kubernetes.io/component"] = "shard",
                ["app.kubernetes.io/part-of"] = "multigres",
                ["app.kubernetes.io/managed-by"] = "multigres-operator",
                ["multigres.com/cluster"] = "minimal",
                ["multigres.com/database"] = "postgres",
                ["multigres.com/tablegroup"] = "default",
                ["multigres.com/shard"] = "0-inf",
            },
            shard.Metadata.Labels);
        var owner = Assert.Single(shard.Metadata.OwnerReferences!);
        Assert.Equal(("TableGroup", "minimal-postgres-default-f7d4ad4a", TableGroupFixtures.Uid, true, true),
            (owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        Assert.Null(shard.Metadata.Annotations);
    }

    [Fact]
    public void Project_ref_is_copied_from_the_table_group()
    {
        var shard = ShardCrBuilder.Build(TableGroupFixtures.Minimal(projectRef: "p-1"), TableGroupFixtures.Shard("0-inf"));

        Assert.Equal(new Dictionary<string, string> { [AnnotationKeys.ProjectRef] = "p-1" }, shard.Metadata.Annotations);
    }

    [Fact]
    public void Spec_fields_come_from_the_shard_and_the_table_group()
    {
        var tg = TableGroupFixtures.Minimal();
        tg = tg with
        {
            Spec = tg.Spec with
            {
                InternalTls = new InternalTLSConfig { Enabled = true },
                Observability = new ObservabilityConfig { OtlpEndpoint = "x" },
                LogLevels = new ComponentLogLevels { Multiorch = LogLevel.Debug },
                TopologyPruning = new TopologyPruningConfig { Enabled = false },
                DurabilityPolicy = "AT_LEAST_2",
                PostgresSuperuser = "admin",
                CellTopologyLabels = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["zone-a"] = new Dictionary<string, string> { ["k"] = "v" } },
                Backup = new BackupConfig { Type = BackupType.Filesystem },
            },
        };
        var resolved = TableGroupFixtures.Shard("0-inf") with
        {
            InitdbArgs = "--data-checksums",
            PostgresConfigRef = new PostgresConfigRef { Name = "cm", Key = "k" },
            PostgresConfig = new Dictionary<string, string> { ["work_mem"] = "8MB" },
            Backup = new BackupConfig { Type = BackupType.S3 },
        };

        var spec = ShardCrBuilder.Build(tg, resolved).Spec;

        Assert.Equal(("postgres", "default", "0-inf"), (spec.DatabaseName, spec.TableGroupName, spec.ShardName));
        Assert.Same(tg.Spec.Images, spec.Images);
        Assert.Same(tg.Spec.GlobalTopoServer, spec.GlobalTopoServer);
        Assert.Same(resolved.Multiorch, spec.Multiorch);
        Assert.Equal("--data-checksums", spec.InitdbArgs);
        Assert.Same(resolved.PostgresConfigRef, spec.PostgresConfigRef);
        Assert.Same(resolved.PostgresConfig, spec.PostgresConfig);
        Assert.Same(resolved.Pools, spec.Pools);
        Assert.Same(resolved.Backup, spec.Backup);
        Assert.Same(tg.Spec.InternalTls, spec.InternalTls);
        Assert.Same(tg.Spec.Observability, spec.Observability);
        Assert.Same(tg.Spec.LogLevels, spec.LogLevels);
        Assert.Same(tg.Spec.TopologyPruning, spec.TopologyPruning);
        Assert.Equal("AT_LEAST_2", spec.DurabilityPolicy);
        Assert.Equal("admin", spec.PostgresSuperuser);
        Assert.Same(tg.Spec.PostgresPasswordSecretRef, spec.PostgresPasswordSecretRef);
        Assert.Same(tg.Spec.CellTopologyLabels, spec.CellTopologyLabels);
    }

    [Fact]
    public void Replicas_sum_replicas_per_cell_times_cells_with_null_counting_as_one()
    {
        var pools = new Dictionary<string, PoolSpec>
        {
            ["a"] = new() { Cells = ["zone-a", "zone-b"], ReplicasPerCell = 3 },
            ["b"] = new() { Cells = ["zone-a", "zone-b", "zone-c"] },
            ["c"] = new() { ReplicasPerCell = 5 },
        };

        var shard = ShardCrBuilder.Build(TableGroupFixtures.Minimal(), TableGroupFixtures.Shard("0-inf", pools));

        Assert.Equal(9, shard.Spec.Replicas);
        Assert.Equal(2, ShardCrBuilder.Build(TableGroupFixtures.Minimal(), TableGroupFixtures.Shard("0-inf")).Spec.Replicas);
        Assert.Equal(0, ShardCrBuilder.TotalReplicas(null));
    }

    [Fact]
    public void Pvc_policy_is_the_shards_fields_over_the_table_groups()
    {
        var tgPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete, WhenScaled = PVCRetentionPolicyType.Delete };
        var shardPolicy = new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Retain };

        var merged = ShardCrBuilder.Build(TableGroupFixtures.Minimal(policy: tgPolicy), TableGroupFixtures.Shard("0-inf", policy: shardPolicy)).Spec.PvcDeletionPolicy;
        var inherited = ShardCrBuilder.Build(TableGroupFixtures.Minimal(policy: tgPolicy), TableGroupFixtures.Shard("0-inf")).Spec.PvcDeletionPolicy;

        Assert.Equal(new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete, WhenScaled = PVCRetentionPolicyType.Retain }, merged);
        Assert.Equal(tgPolicy, inherited);
        Assert.Null(ShardCrBuilder.Build(TableGroupFixtures.Minimal(), TableGroupFixtures.Shard("0-inf")).Spec.PvcDeletionPolicy);
    }

    [Fact]
    public void Build_all_follows_spec_order_and_names_from_logical_parts()
    {
        var tg = TableGroupFixtures.Minimal([TableGroupFixtures.Shard("0-80"), TableGroupFixtures.Shard("80-inf")]);

        var shards = ShardCrBuilder.BuildAll(tg);

        Assert.Equal(["0-80", "80-inf"], shards.Select(s => s.Spec.ShardName));
        Assert.Equal(MultigresOrleans.Grains.Naming.ResourceNames.ShardName("minimal", "postgres", "default", "80-inf"), shards[1].Metadata.Name);
        Assert.Equal(shards[1].Metadata.Name, ShardCrBuilder.ShardName(tg, "80-inf"));
    }

    [Fact]
    public void A_table_group_without_cluster_label_is_refused()
    {
        var tg = TableGroupFixtures.Minimal();
        tg.Metadata.Labels!.Remove(LabelKeys.Cluster);

        Assert.Throws<ArgumentException>(() => ShardCrBuilder.Build(tg, TableGroupFixtures.Shard("0-inf")));
    }
}
