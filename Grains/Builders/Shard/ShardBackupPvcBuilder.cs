namespace MultigresOrleans.Grains.Builders.Shards;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The one shared filesystem-backup PVC of a shard (spec §6.5.1, owner rule §6.7). It has no cell part because the
/// shard keeps a single pgBackRest repository that every pool pod in every cell mounts, which is what makes a restore
/// in another cell possible; the price is that it needs ReadWriteMany as soon as more than one pod exists (the webhook
/// warns about that, §3.1). It is re-applied every reconcile so a size increase reaches the claim.
/// </summary>
public static class ShardBackupPvcBuilder
{
    public const string DefaultAccessMode = "ReadWriteOnce";

    /// <summary>The text Go's <c>resource.ParseQuantity</c> reports for a malformed quantity, kept for message parity.</summary>
    private const string QuantityFormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    /// <summary>Whether the shard needs the claim: filesystem backups (or none configured), never S3, which uses an emptyDir.</summary>
    public static bool Wanted(ShardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Backup?.Type != BackupType.S3;
    }

    /// <summary>
    /// The Shard owns the claim (controller reference, so it goes with the Shard) only when its own
    /// <c>pvcDeletionPolicy.whenDeleted</c> is <c>Delete</c>; unset means the schema default Retain. Pool policies never
    /// apply: the claim belongs to no pool (§6.7).
    /// </summary>
    public static bool OwnedByShard(ShardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.PvcDeletionPolicy?.WhenDeleted == PVCRetentionPolicyType.Delete;
    }

    /// <summary><c>JWC(Service, "backup-data", cluster, db, tg, shard)</c>.</summary>
    public static string Name(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return ResourceNames.ShardBackupPvcName(ShardObjectMetadata.ClusterName(shard), shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName);
    }

    /// <summary>standard(<c>shard-pool</c>) + cluster + database + tablegroup + shard: no pool and no cell label, because the claim belongs to neither.</summary>
    public static Dictionary<string, string> Labels(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var cluster = ShardObjectMetadata.ClusterName(shard);
        var labels = Builders.Labels.Standard(cluster, Components.ShardPool);
        labels[LabelKeys.Cluster] = cluster;
        labels[LabelKeys.Database] = shard.Spec.DatabaseName;
        labels[LabelKeys.TableGroup] = shard.Spec.TableGroupName;
        labels[LabelKeys.Shard] = shard.Spec.ShardName;
        return labels;
    }

    /// <summary>
    /// The claim, or null when backups go to S3. Throws <see cref="ShardBuildException"/>
    /// (<c>invalid storage size '&lt;s&gt;': …</c>) when <c>filesystem.storage.size</c> is not a quantity.
    /// </summary>
    public static PersistentVolumeClaim? Build(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (!Wanted(shard.Spec))
            return null;
        var storage = shard.Spec.Backup?.Filesystem?.Storage;
        var size = string.IsNullOrEmpty(storage?.Size) ? HardcodedDefaults.BackupStorageSize : storage.Size;
        if (!new Quantity(size).TryGetValue(out _))
            throw new ShardBuildException($"invalid storage size '{size}': {QuantityFormatError}");

        return new PersistentVolumeClaim
        {
            Metadata = new ObjectMeta
            {
                Name = Name(shard),
                Namespace = ShardObjectMetadata.Namespace(shard),
                Labels = Labels(shard),
                OwnerReferences = OwnedByShard(shard.Spec) ? [Builders.Labels.ControllerReference(shard)] : null,
            },
            Spec = new PersistentVolumeClaimSpec
            {
                AccessModes = storage?.AccessModes is { Count: > 0 } modes ? [.. modes] : [DefaultAccessMode],
                Resources = new ResourceRequirements
                {
                    Requests = new Dictionary<string, Quantity>(StringComparer.Ordinal) { ["storage"] = new Quantity(size) },
                },
                StorageClassName = string.IsNullOrEmpty(storage?.Class) ? null : storage.Class,
            },
        };
    }

    /// <summary>Normal event text after the claim was applied.</summary>
    public static string AppliedMessage(string name) => $"Applied PersistentVolumeClaim {name}";

    /// <summary>Warning <c>FailedApply</c> event text.</summary>
    public static string FailedApplyMessage(string error) => $"Failed to reconcile shared backup PVC: {error}";
}
