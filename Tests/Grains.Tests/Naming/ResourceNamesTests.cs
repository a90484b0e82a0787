using MultigresOrleans.Grains.Naming;

namespace MultigresOrleans.Grains.Tests.Naming;

/// <summary><see cref="ResourceNames"/> against every concrete name the spec lists (§4.2) for its samples.</summary>
public sealed class ResourceNamesTests
{
    // Sample `minimal`: cluster minimal, namespace default, cell zone-a, db postgres, tg default, shard 0-inf, pool default.
    private const string Cluster = "minimal";
    private const string Ns = "default";
    private const string Cell = "zone-a";
    private const string Db = "postgres";
    private const string Tg = "default";
    private const string Shard = "0-inf";
    private const string Pool = "default";
    private const string ShardCr = "minimal-postgres-default-0-inf-1e3c045c";

    [Fact]
    public void Minimal_sample_cell_tablegroup_and_shard_crs()
    {
        Assert.Equal("minimal-zone-a-96c88ae0", ResourceNames.CellName(Cluster, Cell));
        Assert.Equal("minimal-postgres-default-f7d4ad4a", ResourceNames.TableGroupName(Cluster, Db, Tg));
        Assert.Equal(ShardCr, ResourceNames.ShardName(Cluster, Db, Tg, Shard));
    }

    [Fact]
    public void Minimal_sample_gateway_and_multiorch()
    {
        Assert.Equal("minimal-zone-a-multigateway-0ccc2e8b", ResourceNames.GatewayDeploymentName(Cluster, Cell));
        Assert.Equal("minimal-zone-a-multigateway-0ccc2e8b", ResourceNames.GatewayServiceName(Cluster, Cell));
        Assert.Equal(
            "minimal-postgres-default-0-inf-multiorch-zone-a-bbe2a333",
            ResourceNames.MultiOrchDeploymentName(Cluster, Db, Tg, Shard, Cell));
        Assert.Equal(
            "minimal-postgres-default-0-inf-multiorch-zone-a-bbe2a333",
            ResourceNames.MultiOrchServiceName(Cluster, Db, Tg, Shard, Cell));
    }

    [Theory]
    [InlineData(0, "minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-0")]
    [InlineData(1, "minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-1")]
    [InlineData(31, "minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-31")]
    public void Minimal_sample_pool_pods_and_data_pvcs(int index, string pod)
    {
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b", ResourceNames.PoolPodBaseName(Cluster, Db, Tg, Shard, Pool, Cell));
        Assert.Equal(pod, ResourceNames.PoolPodName(Cluster, Db, Tg, Shard, Pool, Cell, index));
        Assert.Equal("data-" + pod, ResourceNames.PoolDataPvcName(Cluster, Db, Tg, Shard, Pool, Cell, index));
    }

    [Fact]
    public void Minimal_sample_pool_headless_service_is_truncated_to_63_characters()
    {
        var name = ResourceNames.PoolHeadlessServiceName(Cluster, Db, Tg, Shard, Pool, Cell);

        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-h---22cdf02c", name);
        Assert.Equal(63, name.Length);
    }

    [Fact]
    public void Minimal_sample_pdb_and_backup_pvc()
    {
        Assert.Equal(
            "minimal-postgres-default-0-inf-pool-default-zone-a-pdb-6a4f8455",
            ResourceNames.PoolPdbName(Cluster, Db, Tg, Shard, Pool, Cell));
        Assert.Equal("backup-data-minimal-postgres-default-0-inf-811a09a5", ResourceNames.ShardBackupPvcName(Cluster, Db, Tg, Shard));
    }

    [Fact]
    public void Minimal_sample_shard_configmaps_and_secrets()
    {
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-pg-hba", ResourceNames.PgHbaConfigMapName(ShardCr));
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-postgres-config", ResourceNames.PostgresConfigConfigMapName(ShardCr));
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-exporter-queries", ResourceNames.ExporterQueriesConfigMapName(ShardCr));
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-pgbackrest-ca", ResourceNames.PgBackRestCaSecretName(ShardCr));
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-pgbackrest-tls", ResourceNames.PgBackRestTlsSecretName(ShardCr));
        Assert.Equal("pg_hba_template.conf", ResourceNames.PgHbaConfigMapKey);
        Assert.Equal("postgresql.conf", ResourceNames.PostgresConfigConfigMapKey);
        Assert.Equal("queries.yml", ResourceNames.ExporterQueriesConfigMapKey);
    }

    [Fact]
    public void Minimal_sample_pooler_service_id_of_pod_0()
    {
        var pod0 = ResourceNames.PoolPodName(Cluster, Db, Tg, Shard, Pool, Cell, 0);

        Assert.Equal("p-45f814aa", ResourceNames.PoolerServiceId(pod0));
    }

    [Theory]
    [InlineData(ResourceNames.MultiAdminComponent, "multiadmin.minimal.default.multigres.internal")]
    [InlineData(ResourceNames.MultiGatewayComponent, "multigateway.minimal.default.multigres.internal")]
    [InlineData(ResourceNames.MultiOrchComponent, "multiorch.minimal.default.multigres.internal")]
    [InlineData(ResourceNames.MultiPoolerComponent, "multipooler.minimal.default.multigres.internal")]
    public void Minimal_sample_internal_tls_names(string component, string expected) =>
        Assert.Equal(expected, ResourceNames.InternalTlsName(component, Cluster, Ns));

    [Theory]
    [InlineData("", "minimal", "default")]
    [InlineData("multiadmin", "", "default")]
    [InlineData("multiadmin", "minimal", "")]
    [InlineData("", "", "")]
    public void Internal_tls_name_is_empty_when_any_part_is_empty(string component, string cluster, string ns) =>
        Assert.Equal(string.Empty, ResourceNames.InternalTlsName(component, cluster, ns));

    [Fact]
    public void Global_topology_server_names_are_plain_concatenations()
    {
        Assert.Equal("minimal-global-topo", ResourceNames.GlobalTopoServerName(Cluster));
        Assert.Equal("minimal-global-topo-headless", ResourceNames.GlobalTopoServerHeadlessServiceName(Cluster));
        Assert.Equal("minimal-global-topo-2", ResourceNames.GlobalTopoServerPodName(Cluster, 2));
        Assert.Equal("data-minimal-global-topo-0", ResourceNames.GlobalTopoServerDataPvcName(Cluster, 0));
        Assert.Equal(
            "minimal-global-topo.default.svc:2379",
            ResourceNames.TopoServerClientAddress(ResourceNames.GlobalTopoServerName(Cluster), Ns));
    }

    [Fact]
    public void Ext_etcd_sample_local_topology_server_of_cell_zone_b_isolated()
    {
        var cellCr = ResourceNames.CellName("ext-etcd", "zone-b-isolated");
        var topo = ResourceNames.LocalTopoServerName(cellCr);

        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a", cellCr);
        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55", topo);
        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55-headless", ResourceNames.TopoServerHeadlessServiceName(topo));
        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55-1", ResourceNames.TopoServerPodName(topo, 1));
        Assert.Equal("data-ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55-1", ResourceNames.TopoServerDataPvcName(topo, 1));
        Assert.Equal("ext-etcd-zone-b-isolated-30635d5a-topo-2af76d55.db.svc:2379", ResourceNames.TopoServerClientAddress(topo, "db"));
    }

    [Fact]
    public void Local_topology_server_name_respects_the_statefulset_limit()
    {
        var topo = ResourceNames.LocalTopoServerName(ResourceNames.CellName(new string('c', 25), new string('z', 30)));

        Assert.Equal(NameConstraints.StatefulSet.MaxLength, topo.Length);
        Assert.Contains("---", topo, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zone-a", "demo-multi-az-zone-a-6bb3393a")]
    [InlineData("zone-b", "demo-multi-az-zone-b-45b0bed1")]
    [InlineData("zone-d", "demo-multi-az-zone-d-29bf9d47")]
    public void Eks_multi_az_sample_cells(string cell, string expected) =>
        Assert.Equal(expected, ResourceNames.CellName("demo-multi-az", cell));

    [Fact]
    public void Eks_multi_az_sample_shard_backup_pvc_and_truncated_pool_pod()
    {
        Assert.Equal("demo-multi-az-postgres-default-0-inf-36e808c2", ResourceNames.ShardName("demo-multi-az", Db, Tg, Shard));
        Assert.Equal(
            "backup-data-demo-multi-az-postgres-default-0-inf-250d2f03",
            ResourceNames.ShardBackupPvcName("demo-multi-az", Db, Tg, Shard));

        var podBase = ResourceNames.PoolPodBaseName("demo-multi-az", Db, Tg, Shard, Pool, "zone-a");
        Assert.Equal("demo-multi-az-postgres-default-0-inf-pool-default---8a186ab1", podBase);
        Assert.Equal(NameConstraints.Pod.MaxLength, podBase.Length);
        Assert.Equal(
            "demo-multi-az-postgres-default-0-inf-pool-default---8a186ab1-0",
            ResourceNames.PoolPodName("demo-multi-az", Db, Tg, Shard, Pool, "zone-a", 0));
    }

    [Fact]
    public void Truncated_pool_pods_of_different_cells_stay_distinct()
    {
        // The 60-character limit cuts the cell away; only the hash tells zone-a from zone-b.
        var zoneA = ResourceNames.PoolPodName("demo-multi-az", Db, Tg, Shard, Pool, "zone-a", 0);
        var zoneB = ResourceNames.PoolPodName("demo-multi-az", Db, Tg, Shard, Pool, "zone-b", 0);

        Assert.Equal(zoneA[..52], zoneB[..52]);
        Assert.NotEqual(zoneA, zoneB);
    }

    [Fact]
    public void Cluster_wide_components_are_plain_concatenations()
    {
        Assert.Equal("minimal-multiadmin", ResourceNames.MultiAdminName(Cluster));
        Assert.Equal("minimal-multiadmin-web", ResourceNames.MultiAdminWebName(Cluster));
        Assert.Equal("minimal-multigateway", ResourceNames.GlobalGatewayServiceName(Cluster));
        Assert.Equal("minimal-multigateway-replica", ResourceNames.GlobalGatewayReplicaServiceName(Cluster));
        Assert.Equal("db.example.com", ResourceNames.PublicGatewayCertificateName("db.example.com"));
        Assert.Equal("generated-certs", ResourceNames.PublicGatewayTlsSecretName);
    }

    [Fact]
    public void Operator_wide_names()
    {
        Assert.Equal("multigres-operator-ca-secret", ResourceNames.WebhookCaSecretName);
        Assert.Equal("multigres-webhook-certs", ResourceNames.WebhookServerSecretName);
        Assert.Equal("multigres-operator-gc", ResourceNames.GcCronJobName);
        Assert.Equal("multigres-operator-gc", ResourceNames.GcServiceAccountName);
        Assert.Equal("multigres-operator-gc-role", ResourceNames.GcClusterRoleName);
        Assert.Equal("multigres-operator-gc-rolebinding", ResourceNames.GcClusterRoleBindingName);
    }

    [Fact]
    public void Negative_indexes_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ResourceNames.PoolPodName(Cluster, Db, Tg, Shard, Pool, Cell, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ResourceNames.GlobalTopoServerPodName(Cluster, -1));
    }

    [Fact]
    public void Longest_user_names_fit_the_kubernetes_limits()
    {
        // §4.3: cluster ≤ 25, database and cell ≤ 30, table group, shard and pool ≤ 25.
        var cluster = new string('c', 25);
        var db = new string('d', 30);
        var cell = new string('z', 30);
        var tg = new string('t', 25);
        var shard = new string('s', 25);
        var pool = new string('p', 25);

        Assert.Equal(63, ResourceNames.PoolPodName(cluster, db, tg, shard, pool, cell, 99).Length);
        Assert.True(ResourceNames.PoolDataPvcName(cluster, db, tg, shard, pool, cell, 99).Length <= 253);
        Assert.Equal(63, ResourceNames.PoolHeadlessServiceName(cluster, db, tg, shard, pool, cell).Length);
        Assert.Equal(63, ResourceNames.PoolPdbName(cluster, db, tg, shard, pool, cell).Length);
        Assert.Equal(63, ResourceNames.ShardBackupPvcName(cluster, db, tg, shard).Length);
        Assert.Equal(63, ResourceNames.MultiOrchServiceName(cluster, db, tg, shard, cell).Length);
        Assert.Equal(63, ResourceNames.GatewayServiceName(cluster, cell).Length);
        Assert.True(ResourceNames.GlobalGatewayReplicaServiceName(cluster).Length <= 63);
        Assert.True(ResourceNames.MultiAdminWebName(cluster).Length <= 63);
        Assert.True(ResourceNames.GlobalTopoServerHeadlessServiceName(cluster).Length <= 63);
    }
}
