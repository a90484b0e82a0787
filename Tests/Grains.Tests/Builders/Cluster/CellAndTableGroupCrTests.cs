using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Resolution;
using static MultigresOrleans.Grains.Tests.Builders.Cluster.ClusterAsserts;

namespace MultigresOrleans.Grains.Tests.Builders.Cluster;

/// <summary>The Cell and TableGroup CRs of spec §6.1 ("Cell CR content", "TableGroup CR") for the shipped samples.</summary>
public sealed class CellAndTableGroupCrTests
{
    private static readonly LoadedCluster Minimal = LoadedCluster.Load("minimal.yaml");
    private static readonly LoadedCluster ExternalEtcd = LoadedCluster.Load("external-etcd.yaml");
    private static readonly LoadedCluster Eks = LoadedCluster.Load("eks-multi-az.yaml");

    private static Cell CellCr(LoadedCluster c, string cellName)
    {
        var cell = c.Cluster.Spec.Cells!.Single(x => x.Name == cellName);
        return CellCrBuilder.Build(c.Cluster, cell, CellResolver.ResolveCell(c.Cluster.Spec, cell, c.Templates), c.Images, c.TopoRef);
    }

    private static TableGroup TableGroupCr(LoadedCluster c, LoadedCluster? specSource = null)
    {
        var spec = (specSource ?? c).Cluster.Spec;
        var db = spec.Databases![0];
        var tg = db.TableGroups![0];
        var options = ShardResolver.ReconcileOptions(spec, db, tg);
        var shards = tg.Shards!.Select(s => ShardResolver.ResolveShard(spec, s, options, c.Templates).ToShardResolvedSpec(s.Name)).ToList();
        return TableGroupCrBuilder.Build(c.Cluster, db, tg, shards, c.Images, c.TopoRef);
    }

    private static Dictionary<string, string> CellLabels(string cluster, string cell)
    {
        var labels = StandardPlusCluster(cluster, "cell");
        labels["multigres.com/cell"] = cell;
        return labels;
    }

    [Fact]
    public void Minimal_cell_cr()
    {
        var cell = CellCr(Minimal, "zone-a");

        Assert.Equal("multigres.com/v1alpha1", cell.ApiVersion);
        Assert.Equal("Cell", cell.Kind);
        Assert.Equal("minimal-zone-a-96c88ae0", cell.Metadata.Name);
        OwnedByCluster(cell.Metadata, "minimal", "default");
        Labels(CellLabels("minimal", "zone-a"), cell.Metadata.Labels);
        Assert.Null(cell.Metadata.Annotations);

        var spec = cell.Spec;
        Assert.Equal("zone-a", spec.Name);
        Assert.Equal("us-central1-a", spec.ZoneId);
        Assert.Null(spec.Region);
        Assert.Equal(DefaultImages.Multigateway, spec.Images.Multigateway);
        Assert.Equal(PullPolicy.IfNotPresent, spec.Images.ImagePullPolicy);
        Assert.Equal(1, spec.Multigateway.Replicas);
        Assert.True(spec.Multigateway.Buffer!.Enabled);
        SameResources(HardcodedDefaults.MultigatewayResources, spec.Multigateway.Resources);
        Assert.Null(spec.MultigatewayPlacement);
        Assert.Equal(["zone-a"], spec.AllCells!);
        Assert.Equal(Minimal.TopoRef, spec.GlobalTopoServer);
        Assert.Null(spec.TopoServer);
        Assert.Equal(new TopologyReconciliation { RegisterCell = true, PrunePoolers = true }, spec.TopologyReconciliation);
        Assert.Equal(LogLevel.Info, spec.LogLevels!.Multigateway);
        Assert.Null(spec.Observability);
        Assert.Null(spec.CertCommonName);
    }

    [Fact]
    public void Cell_cr_copies_cluster_wide_settings_and_pruning_off()
    {
        var c = Minimal.WithSpec(s => s with
        {
            TopologyPruning = new TopologyPruningConfig { Enabled = false },
            Observability = new ObservabilityConfig { OtlpEndpoint = "http://otel:4318" },
            InternalTls = new InternalTLSConfig { Enabled = true },
            CertCommonName = "db.example.com",
            Images = new ClusterImages { ImagePullSecrets = [new Kubernetes.Models.LocalObjectReference { Name = "regcred" }] },
        });
        var images = c.Images with { Multigateway = "my/gw:1", ImagePullSecrets = c.Cluster.Spec.Images!.ImagePullSecrets };
        var config = c.Cluster.Spec.Cells![0];

        var cell = CellCrBuilder.Build(c.Cluster, config, CellResolver.ResolveCell(c.Cluster.Spec, config, c.Templates), images, c.TopoRef);

        Assert.False(cell.Spec.TopologyReconciliation!.PrunePoolers);
        Assert.Equal("http://otel:4318", cell.Spec.Observability!.OtlpEndpoint);
        Assert.True(cell.Spec.InternalTls!.Enabled);
        Assert.Equal("db.example.com", cell.Spec.CertCommonName);
        Assert.Equal("my/gw:1", cell.Spec.Images.Multigateway);
        Assert.Equal("regcred", cell.Spec.Images.ImagePullSecrets![0].Name);
    }

    [Fact]
    public void External_etcd_cells_reference_the_external_topology_and_the_isolated_cell_carries_its_local_etcd()
    {
        var plain = CellCr(ExternalEtcd, "zone-a");
        var isolated = CellCr(ExternalEtcd, "zone-b-isolated");

        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a", isolated.Metadata.Name);
        Assert.Equal("http://external-etcd-service.default.svc:2379", isolated.Spec.GlobalTopoServer.Address);
        Assert.Equal("http://external-etcd-service.default.svc:2379", plain.Spec.GlobalTopoServer.Address);
        Assert.Null(plain.Spec.TopoServer);
        var etcd = isolated.Spec.TopoServer!.Etcd!;
        Assert.Equal("gcr.io/etcd-development/etcd:v3.6.7", etcd.Image);
        Assert.Equal(3, etcd.Replicas);
        Assert.Equal("standard", etcd.Storage!.Class);
        Assert.Equal("/multigres/zone-b-isolated", etcd.RootPath);
        Assert.Equal(2, isolated.Spec.Multigateway.Replicas);
        Assert.Equal(["zone-a", "zone-b-isolated"], isolated.Spec.AllCells!);
        Labels(CellLabels("ext-etcd", "zone-b-isolated"), isolated.Metadata.Labels);
    }

    [Fact]
    public void Eks_cells_carry_the_project_ref_and_pinned_images()
    {
        var names = Eks.Cluster.Spec.Cells!.Select(c => CellCr(Eks, c.Name)).ToList();

        Assert.Equal(["demo-multi-az-zone-a-6bb3393a", "demo-multi-az-zone-b-45b0bed1", "demo-multi-az-zone-d-29bf9d47"], names.Select(c => c.Metadata.Name));
        foreach (var cell in names)
        {
            OwnedByCluster(cell.Metadata, "demo-multi-az", "eks-demo");
            Assert.Equal(new Dictionary<string, string> { ["multigres.com/project-ref"] = "demo-multi-az-project" }, cell.Metadata.Annotations);
            Assert.Equal(["zone-a", "zone-b", "zone-d"], cell.Spec.AllCells!);
            Assert.Equal(PullPolicy.Always, cell.Spec.Images.ImagePullPolicy);
            SameResources(HardcodedDefaults.MultigatewayResources, cell.Spec.Multigateway.Resources);
        }

        Assert.Equal("use1-az6", names[2].Spec.ZoneId);
    }

    [Fact]
    public void Minimal_table_group_cr()
    {
        var tg = TableGroupCr(Minimal);

        Assert.Equal("multigres.com/v1alpha1", tg.ApiVersion);
        Assert.Equal("TableGroup", tg.Kind);
        Assert.Equal("minimal-postgres-default-f7d4ad4a", tg.Metadata.Name);
        OwnedByCluster(tg.Metadata, "minimal", "default");
        var labels = StandardPlusCluster("minimal", "tablegroup");
        labels["multigres.com/database"] = "postgres";
        labels["multigres.com/tablegroup"] = "default";
        Labels(labels, tg.Metadata.Labels);
        Assert.Null(tg.Metadata.Annotations);

        var spec = tg.Spec;
        Assert.Equal("postgres", spec.DatabaseName);
        Assert.Equal("default", spec.TableGroupName);
        Assert.True(spec.IsDefault);
        Assert.Equal(DefaultImages.Multiorch, spec.Images.Multiorch);
        Assert.Equal(DefaultImages.Multipooler, spec.Images.Multipooler);
        Assert.Equal(DefaultImages.Postgres, spec.Images.Postgres);
        Assert.Equal(PullPolicy.IfNotPresent, spec.Images.ImagePullPolicy);
        Assert.Equal(Minimal.TopoRef, spec.GlobalTopoServer);
        var shard = Assert.Single(spec.Shards);
        Assert.Equal("0-inf", shard.Name);
        Assert.Equal(["zone-a"], shard.Multiorch.Cells!);
        Assert.Equal(2, shard.Pools["default"].ReplicasPerCell);
        Assert.Equal(new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete, WhenScaled = PVCRetentionPolicyType.Delete }, spec.PvcDeletionPolicy);
        var cellLabels = Assert.Single(spec.CellTopologyLabels!);
        Assert.Equal("zone-a", cellLabels.Key);
        Assert.Equal(new Dictionary<string, string> { ["topology.k8s.aws/zone-id"] = "us-central1-a" }, cellLabels.Value);
        Assert.Equal("AT_LEAST_2", spec.DurabilityPolicy);
        Assert.Null(spec.PostgresSuperuser); // copied verbatim; the API server's schema default fills it on the cluster
        Assert.Equal("multigres-admin-password", spec.PostgresPasswordSecretRef.Name);
        Assert.Equal("password", spec.PostgresPasswordSecretRef.Key);
        Assert.True(spec.TopologyPruning!.Enabled);
        Assert.Equal(LogLevel.Info, spec.LogLevels!.Multipooler);
    }

    [Fact]
    public void Eks_table_group_merges_backup_database_over_cluster_and_keeps_the_project_ref()
    {
        var tg = TableGroupCr(Eks);

        Assert.Equal("eks-demo", tg.Metadata.Namespace);
        Assert.Equal("demo-multi-az-project", tg.Metadata.Annotations!["multigres.com/project-ref"]);
        Assert.Equal(BackupType.S3, tg.Spec.Backup!.Type);
        Assert.Equal("demo-multi-az-multigres-backups", tg.Spec.Backup.S3!.Bucket);
        Assert.Equal(3, tg.Spec.CellTopologyLabels!.Count);
        Assert.Equal("use1-az2", tg.Spec.CellTopologyLabels["zone-b"]["topology.k8s.aws/zone-id"]);
        Assert.Equal(PullPolicy.Always, tg.Spec.Images.ImagePullPolicy);
        Assert.Equal("AT_LEAST_2", tg.Spec.DurabilityPolicy);
    }

    [Fact]
    public void Table_group_policy_merges_and_database_durability_wins()
    {
        var c = Minimal.WithSpec(s => s with
        {
            Cells = [new CellConfig { Name = "r1", Region = "us-east-1" }, new CellConfig { Name = "z1", ZoneId = "use1-az1" }],
            DurabilityPolicy = "AT_LEAST_2",
            Databases =
            [
                s.Databases![0] with
                {
                    DurabilityPolicy = "MULTI_CELL_AT_LEAST_2",
                    TableGroups = [s.Databases[0].TableGroups![0] with { PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain } }],
                },
            ],
        });

        var tg = TableGroupCr(c);

        Assert.Equal(PVCRetentionPolicyType.Retain, tg.Spec.PvcDeletionPolicy!.WhenDeleted);
        Assert.Equal(PVCRetentionPolicyType.Delete, tg.Spec.PvcDeletionPolicy.WhenScaled);
        Assert.Equal("MULTI_CELL_AT_LEAST_2", tg.Spec.DurabilityPolicy);
        Assert.Equal("us-east-1", tg.Spec.CellTopologyLabels!["r1"]["topology.kubernetes.io/region"]);
        Assert.False(tg.Spec.CellTopologyLabels["r1"].ContainsKey("topology.k8s.aws/zone-id"));
        Assert.Equal("use1-az1", tg.Spec.CellTopologyLabels["z1"]["topology.k8s.aws/zone-id"]);
    }

    [Fact]
    public void Cell_topology_labels_are_null_when_no_cell_has_a_location() =>
        Assert.Null(TableGroupCrBuilder.CellTopologyLabels(new MultigresClusterSpec
        {
            PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "p", Key = "k" },
            Cells = [new CellConfig { Name = "bare" }],
        }));

    [Fact]
    public void Project_ref_falls_back_to_the_cluster_name()
    {
        Assert.Equal("minimal", ClusterMetadata.ProjectRef(Minimal.Cluster));
        Assert.Equal("demo-multi-az-project", ClusterMetadata.ProjectRef(Eks.Cluster));
    }
}
