using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Shards;

/// <summary>The Shard the TableGroup controller writes for sample <c>minimal</c> (spec §4.2): one pool in zone-a, two pods.</summary>
internal static class ShardFixtures
{
    public const string Namespace = "default";
    public const string ShardUid = "5a7d0c1e-0000-4000-8000-0000000000aa";
    public const string ShardCrName = "minimal-postgres-default-0-inf-1e3c045c";

    public static Shard Minimal(Func<ShardSpec, ShardSpec>? edit = null, Dictionary<string, string>? annotations = null, ShardStatus? status = null)
    {
        var spec = new ShardSpec
        {
            DatabaseName = "postgres",
            TableGroupName = "default",
            ShardName = "0-inf",
            Images = new ShardImages
            {
                Multiorch = "ghcr.io/multigres/multigres:sha-test",
                Multipooler = "ghcr.io/multigres/multigres:sha-test",
                Postgres = "ghcr.io/multigres/pgctld:sha-test",
            },
            GlobalTopoServer = new GlobalTopoServerRef
            {
                Address = "minimal-global-topo.default.svc:2379",
                RootPath = "/multigres/global",
                Implementation = "etcd",
            },
            Multiorch = new MultiorchSpec(),
            Pools = new Dictionary<string, PoolSpec>
            {
                ["default"] = new PoolSpec { Type = PoolType.ReadWrite, Cells = ["zone-a"], ReplicasPerCell = 2 },
            },
            PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "multigres-admin-password", Key = "password" },
            LogLevels = new ComponentLogLevels { Multiorch = LogLevel.Info },
            Backup = new BackupConfig
            {
                Type = BackupType.Filesystem,
                Filesystem = new FilesystemBackupConfig { Path = "/backups", Storage = new StorageSpec { Size = "10Gi" } },
            },
            PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete, WhenScaled = PVCRetentionPolicyType.Delete },
            CellTopologyLabels = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["zone-a"] = new Dictionary<string, string> { [LabelKeys.NodeZoneId] = "us-central1-a" },
            },
        };
        return new Shard
        {
            Metadata = new ObjectMeta
            {
                Name = ShardCrName,
                Namespace = Namespace,
                Uid = ShardUid,
                Generation = 4,
                Labels = new Dictionary<string, string>
                {
                    [LabelKeys.AppName] = "multigres",
                    [LabelKeys.AppInstance] = "minimal",
                    [LabelKeys.AppComponent] = Components.Shard,
                    [LabelKeys.AppPartOf] = "multigres",
                    [LabelKeys.AppManagedBy] = "multigres-operator",
                    [LabelKeys.Cluster] = "minimal",
                    [LabelKeys.Database] = "postgres",
                    [LabelKeys.TableGroup] = "default",
                    [LabelKeys.Shard] = "0-inf",
                },
                Annotations = annotations,
            },
            Spec = edit is null ? spec : edit(spec),
            Status = status,
        };
    }
}
