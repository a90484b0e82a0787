using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.PoolPods;

/// <summary>Shards as the TableGroup controller writes them for the spec's samples (§4.2, §15).</summary>
internal static class PoolPodFixtures
{
    public const string Ns = "default";
    public const string ShardUid = "0b9d5f0e-0000-4000-8000-0000000000aa";
    public const string Pool = "default";
    public const string CellName = "zone-a";

    public static PoolPodInputs Inputs(string? configHash = "restart-1", string? reloadHash = "reload-1") => new()
    {
        OperatorEnvironment = OperatorEnvironment.Empty,
        PostgresConfigHash = configHash,
        PostgresReloadHash = reloadHash,
    };

    public static PoolSpec PoolSpec(Func<PoolSpec, PoolSpec>? edit = null)
    {
        var pool = new PoolSpec { Cells = [CellName], ReplicasPerCell = 2 };
        return edit is null ? pool : edit(pool);
    }

    /// <summary>Shard <c>0-inf</c> of sample <c>minimal</c>: one pool <c>default</c> in <c>zone-a</c>, filesystem backups.</summary>
    public static Shard Minimal(Func<ShardSpec, ShardSpec>? edit = null, string cluster = "minimal", string shardCrName = "minimal-postgres-default-0-inf-1e3c045c", Dictionary<string, string>? annotations = null)
    {
        var spec = new ShardSpec
        {
            DatabaseName = "postgres",
            TableGroupName = "default",
            ShardName = "0-inf",
            Images = new ShardImages
            {
                Multiorch = DefaultImages.Multiorch,
                Multipooler = DefaultImages.Multipooler,
                Postgres = DefaultImages.Postgres,
            },
            GlobalTopoServer = new GlobalTopoServerRef
            {
                Address = cluster + "-global-topo.default.svc:2379",
                RootPath = "/multigres/global",
                Implementation = "etcd",
            },
            Multiorch = new MultiorchSpec(),
            Pools = new Dictionary<string, PoolSpec> { [Pool] = PoolSpec() },
            PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "multigres-admin-password", Key = "password" },
            PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete, WhenScaled = PVCRetentionPolicyType.Delete },
            LogLevels = new ComponentLogLevels { Pgctld = LogLevel.Info, Multipooler = LogLevel.Debug },
            Backup = new BackupConfig { Type = BackupType.Filesystem, Filesystem = new FilesystemBackupConfig { Path = "/backups" } },
            CellTopologyLabels = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                [CellName] = new Dictionary<string, string> { [LabelKeys.NodeZoneId] = "us-central1-a" },
            },
        };

        var labels = Labels.Standard(cluster, Components.Shard);
        labels[LabelKeys.Cluster] = cluster;
        labels[LabelKeys.Database] = "postgres";
        labels[LabelKeys.TableGroup] = "default";
        labels[LabelKeys.Shard] = "0-inf";
        return new Shard
        {
            Metadata = new ObjectMeta
            {
                Name = shardCrName,
                Namespace = Ns,
                Uid = ShardUid,
                Labels = labels,
                Annotations = annotations,
            },
            Spec = edit is null ? spec : edit(spec),
        };
    }

    public static Pod Build(Shard? shard = null, int index = 0, PoolSpec? pool = null, PoolPodInputs? inputs = null, string cell = CellName) =>
        PoolPodBuilder.BuildPoolPod(shard ?? Minimal(), Pool, cell, pool ?? PoolSpec(), index, inputs ?? Inputs());

    public static Container Container(Pod pod, string name) =>
        pod.Spec!.InitContainers!.Concat(pod.Spec.Containers).Single(c => c.Name == name);

    public static string? Env(Container container, string name) => container.Env?.SingleOrDefault(e => e.Name == name)?.Value;
}
