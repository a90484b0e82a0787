using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Shards;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Shards;

public sealed class ShardBackupPvcBuilderTests
{
    [Fact]
    public void Name_is_the_shard_wide_spec_vector()
    {
        var pvc = ShardBackupPvcBuilder.Build(ShardFixtures.Minimal())!;
        Assert.Equal("backup-data-minimal-postgres-default-0-inf-811a09a5", pvc.Metadata.Name);
        Assert.Equal("default", pvc.Metadata.Namespace);
    }

    [Fact]
    public void Labels_have_shard_identity_but_no_pool_or_cell()
    {
        var labels = ShardBackupPvcBuilder.Build(ShardFixtures.Minimal())!.Metadata.Labels!;
        Assert.Equal(
            new Dictionary<string, string>
            {
                [LabelKeys.AppName] = "multigres",
                [LabelKeys.AppInstance] = "minimal",
                [LabelKeys.AppComponent] = Components.ShardPool,
                [LabelKeys.AppPartOf] = "multigres",
                [LabelKeys.AppManagedBy] = "multigres-operator",
                [LabelKeys.Cluster] = "minimal",
                [LabelKeys.Database] = "postgres",
                [LabelKeys.TableGroup] = "default",
                [LabelKeys.Shard] = "0-inf",
            }.OrderBy(p => p.Key),
            labels.OrderBy(p => p.Key));
    }

    [Fact]
    public void Delete_policy_gives_a_controller_owner_reference_to_the_shard()
    {
        var owner = Assert.Single(ShardBackupPvcBuilder.Build(ShardFixtures.Minimal())!.Metadata.OwnerReferences!);
        Assert.Equal((ShardFixtures.ShardCrName, "Shard", (bool?)true), (owner.Name, owner.Kind, owner.Controller));
    }

    [Theory]
    [InlineData(PVCRetentionPolicyType.Retain)]
    [InlineData(null)]
    public void Retain_or_unset_policy_leaves_the_claim_unowned(PVCRetentionPolicyType? whenDeleted)
    {
        var shard = ShardFixtures.Minimal(s => s with { PvcDeletionPolicy = whenDeleted is null ? null : new PVCDeletionPolicy { WhenDeleted = whenDeleted } });
        Assert.Null(ShardBackupPvcBuilder.Build(shard)!.Metadata.OwnerReferences);
    }

    [Fact]
    public void Pool_policy_does_not_decide_the_backup_claim_owner()
    {
        var shard = ShardFixtures.Minimal(s => s with
        {
            PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain },
            Pools = new Dictionary<string, PoolSpec>
            {
                ["default"] = new PoolSpec { Cells = ["zone-a"], PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete } },
            },
        });
        Assert.Null(ShardBackupPvcBuilder.Build(shard)!.Metadata.OwnerReferences);
    }

    [Fact]
    public void Defaults_are_read_write_once_and_ten_gibibytes_without_class()
    {
        var shard = ShardFixtures.Minimal(s => s with { Backup = new BackupConfig { Type = BackupType.Filesystem, Filesystem = new FilesystemBackupConfig() } });
        var spec = ShardBackupPvcBuilder.Build(shard)!.Spec!;
        Assert.Equal(["ReadWriteOnce"], spec.AccessModes!);
        Assert.Equal("10Gi", spec.Resources!.Requests!["storage"].Value);
        Assert.Null(spec.StorageClassName);
    }

    [Fact]
    public void Filesystem_storage_settings_are_applied()
    {
        var shard = ShardFixtures.Minimal(s => s with
        {
            Backup = new BackupConfig
            {
                Type = BackupType.Filesystem,
                Filesystem = new FilesystemBackupConfig { Storage = new StorageSpec { Size = "50Gi", Class = "efs", AccessModes = ["ReadWriteMany"] } },
            },
        });
        var spec = ShardBackupPvcBuilder.Build(shard)!.Spec!;
        Assert.Equal(["ReadWriteMany"], spec.AccessModes!);
        Assert.Equal("50Gi", spec.Resources!.Requests!["storage"].Value);
        Assert.Equal("efs", spec.StorageClassName);
    }

    [Fact]
    public void S3_backups_need_no_claim()
    {
        var shard = ShardFixtures.Minimal(s => s with { Backup = new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "b", Region = "r" } } });
        Assert.Null(ShardBackupPvcBuilder.Build(shard));
        Assert.False(ShardBackupPvcBuilder.Wanted(shard.Spec));
    }

    [Fact]
    public void An_unparseable_size_fails_with_the_reference_prefix()
    {
        var shard = ShardFixtures.Minimal(s => s with
        {
            Backup = new BackupConfig { Type = BackupType.Filesystem, Filesystem = new FilesystemBackupConfig { Storage = new StorageSpec { Size = "ten gigs" } } },
        });
        var error = Assert.Throws<ShardBuildException>(() => ShardBackupPvcBuilder.Build(shard));
        Assert.StartsWith("invalid storage size 'ten gigs': ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Event_messages_match_the_reference()
    {
        Assert.Equal("Applied PersistentVolumeClaim x", ShardBackupPvcBuilder.AppliedMessage("x"));
        Assert.Equal("Failed to reconcile shared backup PVC: boom", ShardBackupPvcBuilder.FailedApplyMessage("boom"));
    }
}
