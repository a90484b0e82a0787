using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>
/// The field-by-field merge of spec §2.4: how a higher layer of the precedence chain overrides a lower
/// one. Every function returns a new value and never shares a mutable collection with its inputs (the
/// inputs may be informer-cached objects). Lists are replaced, never merged.
/// </summary>
public static class MergeRules
{
    /// <summary>
    /// "Zero" means no requests, limits or claims at all. An empty-but-present map counts as set, so an
    /// override that only names claims still replaces the base (upstream <c>isResourcesZero</c>).
    /// </summary>
    public static bool IsResourcesZero(ResourceRequirements? resources) =>
        resources is null || (resources.Requests is null && resources.Limits is null && resources.Claims is null);

    /// <summary>
    /// replicas if set; resources wholesale if non-zero (no per-key merge: a request without its limit
    /// must not inherit the base's limit); affinity wholesale; annotations and labels per key.
    /// </summary>
    public static T MergeStateless<T>(T baseSpec, StatelessSpec? over)
        where T : StatelessSpec
    {
        ArgumentNullException.ThrowIfNull(baseSpec);
        if (over is null)
            return baseSpec;
        return (T)((StatelessSpec)baseSpec with
        {
            Replicas = over.Replicas ?? baseSpec.Replicas,
            Resources = IsResourcesZero(over.Resources) ? baseSpec.Resources : over.Resources,
            Affinity = over.Affinity ?? baseSpec.Affinity,
            PodAnnotations = MergeMaps(baseSpec.PodAnnotations, over.PodAnnotations),
            PodLabels = MergeMaps(baseSpec.PodLabels, over.PodLabels),
        });
    }

    /// <summary>StatelessSpec merge, then the buffer per field (a nil base buffer is created on demand).</summary>
    public static MultigatewaySpec MergeGateway(MultigatewaySpec baseSpec, MultigatewaySpec? over)
    {
        var merged = MergeStateless(baseSpec, over);
        if (over?.Buffer is not { } ob)
            return merged;
        var bb = merged.Buffer ?? new GatewayBufferConfig();
        return merged with
        {
            Buffer = new GatewayBufferConfig
            {
                Enabled = ob.Enabled ?? bb.Enabled,
                Window = ob.Window ?? bb.Window,
                MaxFailoverDuration = ob.MaxFailoverDuration ?? bb.MaxFailoverDuration,
                MinTimeBetweenFailovers = ob.MinTimeBetweenFailovers ?? bb.MinTimeBetweenFailovers,
                Size = ob.Size ?? bb.Size,
                DrainConcurrency = ob.DrainConcurrency ?? bb.DrainConcurrency,
            },
        };
    }

    /// <summary>Replaced wholesale whenever the override is present: an empty <c>{}</c> clears the template's tolerations.</summary>
    public static PodPlacementSpec? MergePlacement(PodPlacementSpec? baseSpec, PodPlacementSpec? over) => over ?? baseSpec;

    public static MultiorchSpec MergeMultiorch(MultiorchSpec baseSpec, MultiorchSpec? over)
    {
        var merged = MergeStateless(baseSpec, over);
        if (over is null)
            return merged;
        return merged with
        {
            Placement = MergePlacement(merged.Placement, over.Placement),
            Cells = over.Cells is { Count: > 0 } ? over.Cells : merged.Cells,
        };
    }

    /// <summary>A pool present in both layers: each field independently, the storage sub-fields too.</summary>
    public static PoolSpec MergePool(PoolSpec baseSpec, PoolSpec over)
    {
        ArgumentNullException.ThrowIfNull(baseSpec);
        ArgumentNullException.ThrowIfNull(over);
        return new PoolSpec
        {
            Type = over.Type ?? baseSpec.Type,
            Cells = over.Cells is { Count: > 0 } ? over.Cells : baseSpec.Cells,
            ReplicasPerCell = over.ReplicasPerCell ?? baseSpec.ReplicasPerCell,
            Storage = MergeStorage(baseSpec.Storage, over.Storage),
            Postgres = MergeContainer(baseSpec.Postgres, over.Postgres),
            Multipooler = MergeContainer(baseSpec.Multipooler, over.Multipooler),
            Affinity = over.Affinity ?? baseSpec.Affinity,
            Tolerations = over.Tolerations is { Count: > 0 } ? over.Tolerations : baseSpec.Tolerations,
            FsGroup = over.FsGroup ?? baseSpec.FsGroup,
            PvcDeletionPolicy = over.PvcDeletionPolicy ?? baseSpec.PvcDeletionPolicy,
        };
    }

    /// <summary>Pools merged by name; a name only in the override is added as-is.</summary>
    public static IReadOnlyDictionary<string, PoolSpec> MergePools(
        IReadOnlyDictionary<string, PoolSpec>? baseSpec,
        IReadOnlyDictionary<string, PoolSpec>? over)
    {
        var result = new SortedDictionary<string, PoolSpec>(StringComparer.Ordinal);
        foreach (var (name, pool) in baseSpec ?? Empty<PoolSpec>())
            result[name] = pool;
        foreach (var (name, pool) in over ?? Empty<PoolSpec>())
            result[name] = result.TryGetValue(name, out var existing) ? MergePool(existing, pool) : pool;
        return result;
    }

    /// <summary>
    /// resources wholesale if non-zero; runAsUser and runAsGroup each if set (spec §2.4). An absent
    /// container in both layers stays absent.
    /// </summary>
    public static ContainerConfig? MergeContainer(ContainerConfig? baseSpec, ContainerConfig? over)
    {
        if (over is null)
            return baseSpec;
        if (baseSpec is null)
            return over;
        return new ContainerConfig
        {
            Resources = IsResourcesZero(over.Resources) ? baseSpec.Resources : over.Resources,
            RunAsUser = over.RunAsUser ?? baseSpec.RunAsUser,
            RunAsGroup = over.RunAsGroup ?? baseSpec.RunAsGroup,
        };
    }

    /// <summary>size, class and accessModes independently, each when the override's is non-empty.</summary>
    public static StorageSpec? MergeStorage(StorageSpec? baseSpec, StorageSpec? over)
    {
        if (over is null)
            return baseSpec;
        if (baseSpec is null)
            return over;
        return new StorageSpec
        {
            Size = string.IsNullOrEmpty(over.Size) ? baseSpec.Size : over.Size,
            Class = string.IsNullOrEmpty(over.Class) ? baseSpec.Class : over.Class,
            AccessModes = over.AccessModes is { Count: > 0 } ? over.AccessModes : baseSpec.AccessModes,
        };
    }

    /// <summary>image, replicas, storage sub-fields, resources (wholesale if non-zero), rootPath, pvcDeletionPolicy.</summary>
    public static EtcdSpec MergeEtcd(EtcdSpec baseSpec, EtcdSpec? over)
    {
        ArgumentNullException.ThrowIfNull(baseSpec);
        if (over is null)
            return baseSpec;
        return new EtcdSpec
        {
            Image = string.IsNullOrEmpty(over.Image) ? baseSpec.Image : over.Image,
            Replicas = over.Replicas ?? baseSpec.Replicas,
            Storage = MergeStorage(baseSpec.Storage, over.Storage),
            Resources = IsResourcesZero(over.Resources) ? baseSpec.Resources : over.Resources,
            RootPath = string.IsNullOrEmpty(over.RootPath) ? baseSpec.RootPath : over.RootPath,
            PvcDeletionPolicy = over.PvcDeletionPolicy ?? baseSpec.PvcDeletionPolicy,
        };
    }

    /// <summary>
    /// postgresConfig is a per-key union over the layers, later layers winning per key; null when every
    /// layer is empty, so an untouched shard does not grow an empty map.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? MergePostgresConfig(params IReadOnlyDictionary<string, string>?[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        SortedDictionary<string, string>? result = null;
        foreach (var layer in layers)
        {
            if (layer is null || layer.Count == 0)
                continue;
            result ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in layer)
                result[key] = value;
        }
        return result;
    }

    /// <summary>
    /// Child over parent (spec §2.4): a different child type replaces the parent entirely (a filesystem
    /// path means nothing to S3); the same type merges field by field. <c>useEnvCredentials</c> is always
    /// the child's when the child has an s3 block, because false is a meaningful override of true.
    /// </summary>
    public static BackupConfig? MergeBackup(BackupConfig? child, BackupConfig? parent)
    {
        if (child is null)
            return parent;
        if (parent is null || child.Type != parent.Type)
            return child;
        // Only the block of the shared type merges; a stray block of the other type in the child is ignored,
        // as upstream does.
        return parent with
        {
            Filesystem = child.Type == BackupType.Filesystem
                ? MergeFilesystem(child.Filesystem, parent.Filesystem ?? new FilesystemBackupConfig())
                : parent.Filesystem,
            S3 = child.Type == BackupType.S3 ? MergeS3(child.S3, parent.S3) : parent.S3,
            PgBackRestTls = child.PgBackRestTls ?? parent.PgBackRestTls,
            Encryption = child.Encryption ?? parent.Encryption,
        };
    }

    /// <summary>Each field the child's when set, else the parent's; null when both fields end up empty.</summary>
    public static PVCDeletionPolicy? MergePvcDeletionPolicy(PVCDeletionPolicy? child, PVCDeletionPolicy? parent)
    {
        if (child is null)
            return parent;
        var merged = new PVCDeletionPolicy
        {
            WhenDeleted = child.WhenDeleted ?? parent?.WhenDeleted,
            WhenScaled = child.WhenScaled ?? parent?.WhenScaled,
        };
        return merged.WhenDeleted is null && merged.WhenScaled is null ? null : merged;
    }

    /// <summary>Database over cluster.</summary>
    public static string? MergeDurabilityPolicy(string? child, string? parent) =>
        string.IsNullOrEmpty(child) ? parent : child;

    private static FilesystemBackupConfig? MergeFilesystem(FilesystemBackupConfig? child, FilesystemBackupConfig? parent)
    {
        if (child is null)
            return parent;
        if (parent is null)
            return child;
        return new FilesystemBackupConfig
        {
            Path = string.IsNullOrEmpty(child.Path) ? parent.Path : child.Path,
            Storage = MergeStorage(parent.Storage, child.Storage),
        };
    }

    private static S3BackupConfig? MergeS3(S3BackupConfig? child, S3BackupConfig? parent)
    {
        if (child is null)
            return parent;
        if (parent is null)
            return child;
        return new S3BackupConfig
        {
            Bucket = string.IsNullOrEmpty(child.Bucket) ? parent.Bucket : child.Bucket,
            Region = string.IsNullOrEmpty(child.Region) ? parent.Region : child.Region,
            Endpoint = string.IsNullOrEmpty(child.Endpoint) ? parent.Endpoint : child.Endpoint,
            KeyPrefix = string.IsNullOrEmpty(child.KeyPrefix) ? parent.KeyPrefix : child.KeyPrefix,
            CredentialsSecret = string.IsNullOrEmpty(child.CredentialsSecret) ? parent.CredentialsSecret : child.CredentialsSecret,
            ServiceAccountName = string.IsNullOrEmpty(child.ServiceAccountName) ? parent.ServiceAccountName : child.ServiceAccountName,
            UseEnvCredentials = child.UseEnvCredentials,
        };
    }

    private static IReadOnlyDictionary<string, string>? MergeMaps(
        IReadOnlyDictionary<string, string>? baseMap,
        IReadOnlyDictionary<string, string>? over)
    {
        if (over is null || over.Count == 0)
            return baseMap;
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in baseMap ?? Empty<string>())
            result[key] = value;
        foreach (var (key, value) in over)
            result[key] = value;
        return result;
    }

    private static IReadOnlyDictionary<string, T> Empty<T>() => new Dictionary<string, T>(StringComparer.Ordinal);
}
