using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>The merge table of spec §2.4, one row per rule: the merged value compared as JSON with the expected one.</summary>
public sealed class MergeRulesTests
{
    private static readonly ResourceRequirements Small = Res("100m", "128Mi", "256Mi");
    private static readonly Affinity SomeAffinity = new() { NodeAffinity = new NodeAffinity() };
    private static readonly Toleration T1 = new() { Key = "a", Operator = "Exists" };
    private static readonly Toleration T2 = new() { Key = "b", Operator = "Exists" };

    private static readonly Dictionary<string, (Func<JsonNode?> Actual, string Expected)> Table = new(StringComparer.Ordinal)
    {
        // StatelessSpec
        ["stateless: replicas replaced when the override sets them"] = (
            () => ToJson(MergeRules.MergeStateless(new StatelessSpec { Replicas = 1 }, new StatelessSpec { Replicas = 3 })),
            "{replicas: 3}"),
        ["stateless: replicas kept when the override leaves them unset"] = (
            () => ToJson(MergeRules.MergeStateless(new StatelessSpec { Replicas = 2 }, new StatelessSpec())),
            "{replicas: 2}"),
        ["stateless: resources replaced wholesale, no per-key merge"] = (
            () => ToJson(MergeRules.MergeStateless(new StatelessSpec { Resources = Small }, new StatelessSpec { Resources = Res("1", null) })),
            "{resources: {requests: {cpu: '1'}}}"),
        ["stateless: resources naming only claims still replace"] = (
            () => ToJson(MergeRules.MergeStateless(new StatelessSpec { Resources = Small }, new StatelessSpec { Resources = new ResourceRequirements { Claims = [new ResourceClaim { Name = "gpu" }] } })),
            "{resources: {claims: [{name: gpu}]}}"),
        ["stateless: empty resources object inherits"] = (
            () => ToJson(MergeRules.MergeStateless(new StatelessSpec { Resources = Small }, new StatelessSpec { Resources = new ResourceRequirements() })),
            "{resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}"),
        ["stateless: affinity replaced when set"] = (
            () => ToJson(MergeRules.MergeStateless(new StatelessSpec(), new StatelessSpec { Affinity = SomeAffinity })),
            "{affinity: {nodeAffinity: {}}}"),
        ["stateless: annotations and labels are a union, override wins per key"] = (
            () => ToJson(MergeRules.MergeStateless(
                new StatelessSpec { PodAnnotations = Dict(("a", "1"), ("b", "1")), PodLabels = Dict(("x", "1")) },
                new StatelessSpec { PodAnnotations = Dict(("b", "2"), ("c", "2")), PodLabels = Dict(("y", "2")) })),
            "{podAnnotations: {a: '1', b: '2', c: '2'}, podLabels: {x: '1', y: '2'}}"),
        ["stateless: absent override keeps the base"] = (
            () => ToJson(MergeRules.MergeStateless(new StatelessSpec { Replicas = 4, Resources = Small }, null)),
            "{replicas: 4, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}"),

        // MultigatewaySpec
        ["gateway: buffer merged per field"] = (
            () => ToJson(MergeRules.MergeGateway(
                new MultigatewaySpec { Buffer = new GatewayBufferConfig { Enabled = true, Window = "10s", Size = 5 } },
                new MultigatewaySpec { Buffer = new GatewayBufferConfig { Window = "20s", DrainConcurrency = 2, MaxFailoverDuration = "30s", MinTimeBetweenFailovers = "2m" } })),
            "{buffer: {enabled: true, window: 20s, size: 5, drainConcurrency: 2, maxFailoverDuration: 30s, minTimeBetweenFailovers: 2m}}"),
        ["gateway: nil base buffer created on demand"] = (
            () => ToJson(MergeRules.MergeGateway(new MultigatewaySpec { Replicas = 2 }, new MultigatewaySpec { Buffer = new GatewayBufferConfig { Enabled = false } })),
            "{replicas: 2, buffer: {enabled: false}}"),
        ["gateway: override without buffer keeps the base buffer"] = (
            () => ToJson(MergeRules.MergeGateway(new MultigatewaySpec { Buffer = new GatewayBufferConfig { Size = 7 } }, new MultigatewaySpec { Replicas = 3 })),
            "{replicas: 3, buffer: {size: 7}}"),

        // PodPlacementSpec
        ["placement: replaced wholesale"] = (
            () => ToJson(MergeRules.MergePlacement(new PodPlacementSpec { Tolerations = [T1] }, new PodPlacementSpec { Tolerations = [T2] })),
            "{tolerations: [{key: b, operator: Exists}]}"),
        ["placement: empty object clears the template's tolerations"] = (
            () => ToJson(MergeRules.MergePlacement(new PodPlacementSpec { Tolerations = [T1] }, new PodPlacementSpec())),
            "{}"),
        ["placement: absent override keeps the base"] = (
            () => ToJson(MergeRules.MergePlacement(new PodPlacementSpec { Tolerations = [T1] }, null)),
            "{tolerations: [{key: a, operator: Exists}]}"),

        // MultiorchSpec
        ["multiorch: cells replaced when the override lists some, placement replaced"] = (
            () => ToJson(MergeRules.MergeMultiorch(
                new MultiorchSpec { Cells = ["a"], Placement = new PodPlacementSpec { Tolerations = [T1] } },
                new MultiorchSpec { Cells = ["b", "c"], Placement = new PodPlacementSpec() })),
            "{cells: [b, c], placement: {}}"),
        ["multiorch: empty override cells keep the base cells"] = (
            () => ToJson(MergeRules.MergeMultiorch(new MultiorchSpec { Cells = ["a"] }, new MultiorchSpec { Cells = [], Replicas = 2 })),
            "{cells: [a], replicas: 2}"),

        // PoolSpec
        ["pool: every scalar field replaced when set"] = (
            () => ToJson(MergeRules.MergePool(
                new PoolSpec { Type = PoolType.ReadWrite, ReplicasPerCell = 1, FsGroup = 10, Cells = ["a"] },
                new PoolSpec { ReplicasPerCell = 4, FsGroup = 20, Cells = ["b"], PvcDeletionPolicy = new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Retain } })),
            "{type: readWrite, replicasPerCell: 4, fsGroup: 20, cells: [b], pvcDeletionPolicy: {whenScaled: Retain}}"),
        ["pool: storage sub-fields are independent"] = (
            () => ToJson(MergeRules.MergePool(
                new PoolSpec { Storage = new StorageSpec { Size = "100Gi", Class = "standard", AccessModes = ["ReadWriteOnce"] } },
                new PoolSpec { Storage = new StorageSpec { Size = "200Gi" } })),
            "{storage: {size: 200Gi, class: standard, accessModes: [ReadWriteOnce]}}"),
        ["pool: accessModes replaced, size and class kept"] = (
            () => ToJson(MergeRules.MergePool(
                new PoolSpec { Storage = new StorageSpec { Size = "1Gi", Class = "fast" } },
                new PoolSpec { Storage = new StorageSpec { AccessModes = ["ReadWriteMany"] } })),
            "{storage: {size: 1Gi, class: fast, accessModes: [ReadWriteMany]}}"),
        ["pool: container resources wholesale, runAsUser and runAsGroup each"] = (
            () => ToJson(MergeRules.MergePool(
                new PoolSpec
                {
                    Postgres = new ContainerConfig { Resources = Small, RunAsUser = 999, RunAsGroup = 999 },
                    Multipooler = new ContainerConfig { Resources = Small, RunAsUser = 999, RunAsGroup = 5 },
                },
                new PoolSpec
                {
                    Postgres = new ContainerConfig { RunAsUser = 1000 },
                    Multipooler = new ContainerConfig { Resources = Res("1", null), RunAsGroup = 0 },
                })),
            """
            {postgres: {resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}, runAsUser: 1000, runAsGroup: 999},
             multipooler: {resources: {requests: {cpu: '1'}}, runAsUser: 999, runAsGroup: 0}}
            """),
        ["pool: affinity and tolerations replaced when set"] = (
            () => ToJson(MergeRules.MergePool(new PoolSpec { Tolerations = [T1] }, new PoolSpec { Tolerations = [T2], Affinity = SomeAffinity })),
            "{tolerations: [{key: b, operator: Exists}], affinity: {nodeAffinity: {}}}"),
        ["pool: empty override preserves the base"] = (
            () => ToJson(MergeRules.MergePool(
                new PoolSpec { Type = PoolType.ReadWrite, Cells = ["a"], Tolerations = [T1], ReplicasPerCell = 3, Storage = new StorageSpec { Size = "5Gi" } },
                new PoolSpec { Cells = [], Tolerations = [], Storage = new StorageSpec() })),
            "{type: readWrite, cells: [a], tolerations: [{key: a, operator: Exists}], replicasPerCell: 3, storage: {size: 5Gi}}"),
        ["pools: merged by name, new names added as-is"] = (
            () => ToJson(MergeRules.MergePools(
                Dict(("main", new PoolSpec { ReplicasPerCell = 4, Storage = new StorageSpec { Size = "100Gi" } })),
                Dict(("main", new PoolSpec { Storage = new StorageSpec { Size = "200Gi" } }), ("analytics", new PoolSpec { ReplicasPerCell = 1 })))),
            "{main: {replicasPerCell: 4, storage: {size: 200Gi}}, analytics: {replicasPerCell: 1}}"),

        // postgresConfig
        ["postgresConfig: per-key union, later layer wins"] = (
            () => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(MergeRules.MergePostgresConfig(
                Dict(("a", "1"), ("b", "1")), null, Dict(("b", "3"), ("c", "3"))))),
            "{a: '1', b: '3', c: '3'}"),
        ["postgresConfig: null when every layer is empty"] = (
            () => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(MergeRules.MergePostgresConfig(null, Dict<string>(), null))),
            "null"),

        // BackupConfig
        ["backup: both absent stay absent"] = (() => ToJson(MergeRules.MergeBackup(null, null)), "null"),
        ["backup: absent child inherits the parent"] = (
            () => ToJson(MergeRules.MergeBackup(null, HardcodedDefaults.Backup)),
            "{type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi}}}"),
        ["backup: a different child type replaces everything"] = (
            () => ToJson(MergeRules.MergeBackup(new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "b", Region = "r" } }, HardcodedDefaults.Backup)),
            "{type: s3, s3: {bucket: b, region: r}}"),
        ["backup: same type merges filesystem fields"] = (
            () => ToJson(MergeRules.MergeBackup(
                new BackupConfig { Type = BackupType.Filesystem, Filesystem = new FilesystemBackupConfig { Storage = new StorageSpec { Class = "nfs", AccessModes = ["ReadWriteMany"] } } },
                HardcodedDefaults.Backup)),
            "{type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi, class: nfs, accessModes: [ReadWriteMany]}}}"),
        ["backup: same type merges s3 fields, useEnvCredentials always the child's"] = (
            () => ToJson(MergeRules.MergeBackup(
                new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "", Region = "eu", KeyPrefix = "k" }, PgBackRestTls = new PgBackRestTLSConfig { SecretName = "tls" } },
                new BackupConfig
                {
                    Type = BackupType.S3,
                    S3 = new S3BackupConfig { Bucket = "b", Region = "us", Endpoint = "https://e", UseEnvCredentials = true, CredentialsSecret = "cs" },
                    Encryption = new BackupEncryptionConfig { SecretName = "enc" },
                })),
            "{type: s3, s3: {bucket: b, region: eu, endpoint: 'https://e', keyPrefix: k, credentialsSecret: cs}, pgbackrestTLS: {secretName: tls}, encryption: {secretName: enc}}"),

        ["backup: same type merges only the block of that type"] = (
            () => ToJson(MergeRules.MergeBackup(
                new BackupConfig { Type = BackupType.Filesystem, S3 = new S3BackupConfig { Bucket = "stray", Region = "r" } },
                HardcodedDefaults.Backup)),
            "{type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi}}}"),

        // PVCDeletionPolicy and durability
        ["pvc policy: absent child takes the parent"] = (
            () => ToJson(MergeRules.MergePvcDeletionPolicy(null, HardcodedDefaults.ClusterPvcDeletionPolicy)),
            "{whenDeleted: Delete, whenScaled: Delete}"),
        ["pvc policy: field by field"] = (
            () => ToJson(MergeRules.MergePvcDeletionPolicy(new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Retain }, HardcodedDefaults.ClusterPvcDeletionPolicy)),
            "{whenDeleted: Delete, whenScaled: Retain}"),
        ["pvc policy: both fields empty gives none"] = (
            () => ToJson(MergeRules.MergePvcDeletionPolicy(new PVCDeletionPolicy(), new PVCDeletionPolicy())),
            "null"),
        ["durability: database over cluster"] = (
            () => JsonValue.Create(MergeRules.MergeDurabilityPolicy("MULTI_CELL_AT_LEAST_2", "AT_LEAST_2")),
            "MULTI_CELL_AT_LEAST_2"),
        ["durability: empty database takes the cluster's"] = (
            () => JsonValue.Create(MergeRules.MergeDurabilityPolicy("", "AT_LEAST_2")),
            "AT_LEAST_2"),

        // Etcd
        ["etcd: storage sub-fields independent, resources wholesale, scalars replaced"] = (
            () => ToJson(MergeRules.MergeEtcd(
                new EtcdSpec { Image = "etcd:a", Replicas = 3, Storage = new StorageSpec { Size = "10Gi", Class = "standard" }, Resources = Small, RootPath = "/r" },
                new EtcdSpec { Replicas = 5, Storage = new StorageSpec { AccessModes = ["ReadWriteOnce"] }, Resources = Res("1", null), PvcDeletionPolicy = new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Retain } })),
            "{image: 'etcd:a', replicas: 5, storage: {size: 10Gi, class: standard, accessModes: [ReadWriteOnce]}, resources: {requests: {cpu: '1'}}, rootPath: /r, pvcDeletionPolicy: {whenScaled: Retain}}"),
    };

    public static TheoryData<string> Rules => new(Table.Keys);

    [Theory]
    [MemberData(nameof(Rules))]
    public void Merge_rule(string rule)
    {
        var (actual, expected) = Table[rule];
        AssertJson(expected, actual());
    }

    [Fact]
    public void Merges_never_share_a_mutable_map_with_their_inputs()
    {
        var baseAnnotations = new Dictionary<string, string>(StringComparer.Ordinal) { ["a"] = "1" };
        var merged = MergeRules.MergeStateless(new StatelessSpec { PodAnnotations = baseAnnotations }, new StatelessSpec { PodAnnotations = Dict(("b", "2")) });
        baseAnnotations["a"] = "changed";

        Assert.Equal("1", merged.PodAnnotations!["a"]);
    }

    [Fact]
    public void Resources_are_zero_only_when_nothing_is_named()
    {
        Assert.True(MergeRules.IsResourcesZero(null));
        Assert.True(MergeRules.IsResourcesZero(new ResourceRequirements()));
        Assert.False(MergeRules.IsResourcesZero(new ResourceRequirements { Requests = new Dictionary<string, Quantity>() }));
        Assert.False(MergeRules.IsResourcesZero(new ResourceRequirements { Claims = [] }));
    }
}
