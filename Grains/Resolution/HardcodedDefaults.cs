using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>
/// Level 4 of the precedence chain (spec §2.5): values applied only to fields still empty after the
/// template, overrides and inline layers. No CPU limit is ever defaulted (a CPU limit throttles
/// Postgres; memory limits bound the OOM blast radius instead).
/// </summary>
public static class HardcodedDefaults
{
    public const int EtcdReplicas = 3;
    public const int MultiadminReplicas = 1;
    public const int MultiadminWebReplicas = 1;
    public const int MultigatewayReplicas = 1;
    public const int MultiorchReplicas = 1;

    /// <summary>Default pods per cell of a pool spanning several (or an unknown number of) cells.</summary>
    public const int PoolReplicasPerCell = 1;

    /// <summary>A pool in exactly one cell gets two pods so AT_LEAST_2 durability is reachable (spec §0.1, §2.5).</summary>
    public const int SingleCellPoolReplicasPerCell = 2;

    /// <summary>Both etcd and pool data volumes: the reference reuses the etcd size constant for pools (spec §16.6).</summary>
    public const string EtcdStorageSize = "1Gi";

    public const string PoolStorageSize = EtcdStorageSize;
    public const string GlobalTopoRootPath = "/multigres/global";
    public const string TopoImplementation = "etcd";
    public const string BackupPath = "/backups";
    public const string BackupStorageSize = "10Gi";
    public const string DurabilityPolicy = "AT_LEAST_2";
    public const string SystemDatabaseName = "postgres";
    public const string SystemTableGroupName = "default";
    public const string SystemShardName = "0-inf";
    public const string DefaultPoolName = "default";
    public const PullPolicy ImagePullPolicy = PullPolicy.IfNotPresent;
    public const LogLevel ComponentLogLevel = LogLevel.Info;

    /// <summary>The event text of the "inject defaults" decision (spec §2.2 step 2).</summary>
    public const string ImplicitDefaultPoolDecision =
        "Implicitly injected default 'readWrite' pool configuration using the 'default' ShardTemplate";

    public static ResourceRequirements EtcdResources => Resources("100m", "256Mi", "512Mi");

    public static ResourceRequirements MultiadminResources => Resources("100m", "128Mi", "256Mi");

    public static ResourceRequirements MultiadminWebResources => Resources("50m", "64Mi", "128Mi");

    public static ResourceRequirements MultigatewayResources => Resources("100m", "128Mi", "256Mi");

    public static ResourceRequirements MultiorchResources => Resources("50m", "64Mi", "128Mi");

    public static ResourceRequirements PostgresResources => Resources("100m", "256Mi", "512Mi");

    public static ResourceRequirements MultipoolerResources => Resources("100m", "128Mi", "256Mi");

    /// <summary>The cluster's own policy object default; differs from the field defaults Retain/Delete (spec §16.20).</summary>
    public static PVCDeletionPolicy ClusterPvcDeletionPolicy => new()
    {
        WhenDeleted = PVCRetentionPolicyType.Delete,
        WhenScaled = PVCRetentionPolicyType.Delete,
    };

    public static BackupConfig Backup => new()
    {
        Type = BackupType.Filesystem,
        Filesystem = new FilesystemBackupConfig { Path = BackupPath, Storage = new StorageSpec { Size = BackupStorageSize } },
    };

    /// <summary>Local topology servers root under their cell by default (spec §2.4 "Cell").</summary>
    public static string LocalTopoRootPath(string cellName) => $"/multigres/{cellName}";

    /// <summary>Fills replicas and resources of any stateless component.</summary>
    public static T ApplyStateless<T>(T spec, ResourceRequirements resources, int replicas)
        where T : StatelessSpec
    {
        ArgumentNullException.ThrowIfNull(spec);
        return (T)((StatelessSpec)spec with
        {
            Replicas = spec.Replicas ?? replicas,
            Resources = MergeRules.IsResourcesZero(spec.Resources) ? resources : spec.Resources,
        });
    }

    /// <summary>Buffering on unless the user turned it off; other buffer fields stay unset so the binary's defaults apply.</summary>
    public static MultigatewaySpec ApplyGateway(MultigatewaySpec spec)
    {
        var withStateless = ApplyStateless(spec, MultigatewayResources, MultigatewayReplicas);
        var buffer = withStateless.Buffer ?? new GatewayBufferConfig();
        return withStateless with { Buffer = buffer with { Enabled = buffer.Enabled ?? true } };
    }

    public static EtcdSpec ApplyEtcd(EtcdSpec spec, string rootPath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec with
        {
            Image = string.IsNullOrEmpty(spec.Image) ? DefaultImages.Etcd : spec.Image,
            Storage = string.IsNullOrEmpty(spec.Storage?.Size)
                ? (spec.Storage ?? new StorageSpec()) with { Size = EtcdStorageSize }
                : spec.Storage,
            Replicas = spec.Replicas ?? EtcdReplicas,
            RootPath = string.IsNullOrEmpty(spec.RootPath) ? rootPath : spec.RootPath,
            Resources = MergeRules.IsResourcesZero(spec.Resources) ? EtcdResources : spec.Resources,
        };
    }

    public static ExternalTopoServerSpec ApplyExternal(ExternalTopoServerSpec spec, string rootPath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec with
        {
            Implementation = string.IsNullOrEmpty(spec.Implementation) ? TopoImplementation : spec.Implementation,
            RootPath = string.IsNullOrEmpty(spec.RootPath) ? rootPath : spec.RootPath,
        };
    }

    /// <summary>
    /// A local topology server gets etcd or external defaults rooted at its cell; an object with neither
    /// (rejected by CEL) is returned unchanged.
    /// </summary>
    public static LocalTopoServerSpec ApplyLocalTopo(LocalTopoServerSpec spec, string cellName)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var root = LocalTopoRootPath(cellName);
        return spec with
        {
            Etcd = spec.Etcd is null ? null : ApplyEtcd(spec.Etcd, root),
            External = spec.External is null ? null : ApplyExternal(spec.External, root),
        };
    }

    /// <summary>
    /// The generic pool defaults (storage size and container resources). Replicas are chosen earlier by
    /// <see cref="PoolReplicasFor"/> because they depend on the cell context, not on the pool alone.
    /// </summary>
    public static PoolSpec ApplyPool(PoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var postgres = pool.Postgres ?? new ContainerConfig();
        var multipooler = pool.Multipooler ?? new ContainerConfig();
        return pool with
        {
            ReplicasPerCell = pool.ReplicasPerCell ?? PoolReplicasPerCell,
            Storage = string.IsNullOrEmpty(pool.Storage?.Size)
                ? (pool.Storage ?? new StorageSpec()) with { Size = PoolStorageSize }
                : pool.Storage,
            Postgres = MergeRules.IsResourcesZero(postgres.Resources) ? postgres with { Resources = PostgresResources } : postgres,
            Multipooler = MergeRules.IsResourcesZero(multipooler.Resources)
                ? multipooler with { Resources = MultipoolerResources }
                : multipooler,
        };
    }

    /// <summary>
    /// Spec §2.5 pool replicas rule: effective cells are the pool's own list or, when empty, the cluster's
    /// cells; exactly one ⇒ 2, anything else (0 = unknown, or several) ⇒ 1.
    /// </summary>
    public static int PoolReplicasFor(PoolSpec pool, int clusterCellCount)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var effective = pool.Cells is { Count: > 0 } cells ? cells.Count : clusterCellCount;
        return effective == 1 ? SingleCellPoolReplicasPerCell : PoolReplicasPerCell;
    }

    /// <summary>Filesystem backups get a path and a volume size; S3 needs nothing the user did not say.</summary>
    public static BackupConfig ApplyBackup(BackupConfig? backup)
    {
        var config = backup ?? new BackupConfig { Type = BackupType.Filesystem };
        if (config.Type != BackupType.Filesystem)
            return config;
        var filesystem = config.Filesystem ?? new FilesystemBackupConfig();
        return config with
        {
            Filesystem = filesystem with
            {
                Path = string.IsNullOrEmpty(filesystem.Path) ? BackupPath : filesystem.Path,
                Storage = string.IsNullOrEmpty(filesystem.Storage?.Size)
                    ? (filesystem.Storage ?? new StorageSpec()) with { Size = BackupStorageSize }
                    : filesystem.Storage,
            },
        };
    }

    private static ResourceRequirements Resources(string cpuRequest, string memoryRequest, string memoryLimit) => new()
    {
        Requests = new Dictionary<string, Quantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new Quantity(cpuRequest),
            ["memory"] = new Quantity(memoryRequest),
        },
        Limits = new Dictionary<string, Quantity>(StringComparer.Ordinal) { ["memory"] = new Quantity(memoryLimit) },
    };
}
