using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Tests;

public sealed class ApiTypesTests
{
    private static readonly Type[] Kinds =
    [
        typeof(MultigresCluster), typeof(CoreTemplate), typeof(CellTemplate), typeof(ShardTemplate),
        typeof(Cell), typeof(TableGroup), typeof(Shard), typeof(TopoServer),
    ];

    private static MultigresCluster SampleCluster() => new()
    {
        Metadata = new ObjectMeta { Name = "demo", Namespace = "default" },
        Spec = new MultigresClusterSpec
        {
            PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "multigres-admin-password", Key = "password" },
            InternalTls = new InternalTLSConfig { Enabled = true },
            Cells = [new CellConfig { Name = "z1", ZoneId = "use1-az1" }],
            Databases =
            [
                new DatabaseConfig
                {
                    Name = "postgres",
                    IsDefault = true,
                    TableGroups =
                    [
                        new TableGroupConfig
                        {
                            Name = "default",
                            IsDefault = true,
                            Shards =
                            [
                                new ShardConfig
                                {
                                    Name = "0-inf",
                                    Spec = new ShardInlineSpec
                                    {
                                        Pools = new Dictionary<string, PoolSpec>
                                        {
                                            ["main"] = new() { Type = PoolType.ReadWrite, Cells = ["z1"], ReplicasPerCell = 2 },
                                        },
                                    },
                                },
                            ],
                        },
                    ],
                },
            ],
            Backup = new BackupConfig
            {
                Type = BackupType.S3,
                S3 = new S3BackupConfig { Bucket = "b", Region = "us-east-1" },
                PgBackRestTls = new PgBackRestTLSConfig { SecretName = "tls" },
            },
            PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Delete },
        },
    };

    [Fact]
    public void Serializing_a_cluster_uses_wire_names_and_omits_nulls()
    {
        var json = JsonSerializer.SerializeToNode(SampleCluster(), MultigresJsonContext.Default.MultigresCluster)!.AsObject();

        Assert.Equal("multigres.com/v1alpha1", (string?)json["apiVersion"]);
        Assert.Equal("MultigresCluster", (string?)json["kind"]);
        Assert.False(json.ContainsKey("status"));

        var spec = json["spec"]!.AsObject();
        Assert.Equal("multigres-admin-password", (string?)spec["postgresPasswordSecretRef"]!["name"]);
        Assert.True((bool?)spec["internalTLS"]!["enabled"]);
        Assert.False(spec.ContainsKey("images"));
        Assert.False(spec.ContainsKey("postgresSuperuser"));
        Assert.Equal("Delete", (string?)spec["pvcDeletionPolicy"]!["whenDeleted"]);
        Assert.False(spec["pvcDeletionPolicy"]!.AsObject().ContainsKey("whenScaled"));
        Assert.Equal("s3", (string?)spec["backup"]!["type"]);
        Assert.Equal("tls", (string?)spec["backup"]!["pgbackrestTLS"]!["secretName"]);

        var database = spec["databases"]![0]!.AsObject();
        Assert.True((bool?)database["default"]);
        var shard = database["tablegroups"]![0]!["shards"]![0]!;
        var pool = shard["spec"]!["pools"]!["main"]!.AsObject();
        Assert.Equal("readWrite", (string?)pool["type"]);
        Assert.Equal((int?)2, (int?)pool["replicasPerCell"]);
        Assert.False(pool.ContainsKey("storage"));

        var cell = spec["cells"]![0]!.AsObject();
        Assert.Equal("use1-az1", (string?)cell["zoneId"]);
        Assert.False(cell.ContainsKey("region"));
    }

    [Fact]
    public void Deserializing_reads_enum_wire_values_and_inlined_stateless_fields()
    {
        const string json = """
            {
              "apiVersion": "multigres.com/v1alpha1",
              "kind": "Shard",
              "metadata": {"name": "demo-postgres-default-0-inf", "namespace": "default"},
              "spec": {
                "databaseName": "postgres",
                "tableGroupName": "default",
                "shardName": "0-inf",
                "images": {"imagePullPolicy": "IfNotPresent", "multiorch": "m", "multipooler": "p", "postgres": "pg"},
                "globalTopoServer": {"address": "demo-global-topo.default.svc:2379", "rootPath": "/multigres/global", "implementation": "etcd"},
                "multiorch": {"replicas": 1, "cells": ["z1"], "podLabels": {"team": "db"}},
                "pools": {"main": {"type": "readWrite", "cells": ["z1"], "pvcDeletionPolicy": {"whenDeleted": "Retain", "whenScaled": "Delete"}}},
                "postgresPasswordSecretRef": {"name": "pw", "key": "password"},
                "observability": {"otlpProtocol": "http/protobuf", "histogramAggregation": "base2_exponential_bucket_histogram"},
                "logLevels": {"multiorch": "debug"}
              },
              "status": {"orchReady": true, "poolsReady": false, "lastBackupType": "incr", "lastBackupTime": "2026-08-21T02:00:00Z"}
            }
            """;

        var shard = JsonSerializer.Deserialize(json, MultigresJsonContext.Default.Shard)!;

        Assert.Equal(PullPolicy.IfNotPresent, shard.Spec.Images.ImagePullPolicy);
        Assert.Equal(PoolType.ReadWrite, shard.Spec.Pools["main"].Type);
        Assert.Equal(PVCRetentionPolicyType.Retain, shard.Spec.Pools["main"].PvcDeletionPolicy!.WhenDeleted);
        Assert.Equal((int?)1, shard.Spec.Multiorch.Replicas);
        Assert.Equal(new[] { "z1" }, shard.Spec.Multiorch.Cells!);
        Assert.Equal("db", shard.Spec.Multiorch.PodLabels!["team"]);
        Assert.Equal(OtlpProtocol.HttpProtobuf, shard.Spec.Observability!.OtlpProtocol);
        Assert.Equal(HistogramAggregation.Base2ExponentialBucketHistogram, shard.Spec.Observability.HistogramAggregation);
        Assert.Equal(LogLevel.Debug, shard.Spec.LogLevels!.Multiorch);
        Assert.Equal(BackupKind.Incr, shard.Status!.LastBackupType);
        Assert.Equal(new DateTimeOffset(2026, 8, 21, 2, 0, 0, TimeSpan.Zero), shard.Status.LastBackupTime);

        var roundTrip = JsonSerializer.SerializeToNode(shard, MultigresJsonContext.Default.Shard)!;
        Assert.Equal("2026-08-21T02:00:00Z", (string?)roundTrip["status"]!["lastBackupTime"]);
        Assert.Equal("http/protobuf", (string?)roundTrip["spec"]!["observability"]!["otlpProtocol"]);
    }

    [Fact]
    public void A_missing_required_field_is_rejected_on_read()
    {
        const string json = """{"spec": {"name": "z1", "images": {}, "multigateway": {}, "globalTopoServer": {"address": "a", "rootPath": "/r", "implementation": "etcd"}}}""";

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, MultigresJsonContext.Default.Cell));
    }

    [Fact]
    public void TopoServer_ready_column_reads_the_Ready_condition()
    {
        var columns = typeof(TopoServer).GetCustomAttributes<PrinterColumnAttribute>().ToList();

        Assert.Equal(new[] { "Ready", "Phase" }, columns.Select(c => c.Name));
        Assert.Equal(".status.conditions[?(@.type=='Ready')].status", columns[0].JsonPath);
    }

    [Fact]
    public void Every_kind_generates_a_crd_with_the_names_of_the_spec()
    {
        var expected = new Dictionary<string, (string Plural, string Short, bool Status)>
        {
            ["MultigresCluster"] = ("multigresclusters", "mgc", true),
            ["CoreTemplate"] = ("coretemplates", "cot", false),
            ["CellTemplate"] = ("celltemplates", "cet", false),
            ["ShardTemplate"] = ("shardtemplates", "sht", false),
            ["Cell"] = ("cells", "cel", true),
            ["TableGroup"] = ("tablegroups", "tbg", true),
            ["Shard"] = ("shards", "srd", true),
            ["TopoServer"] = ("toposervers", "tps", true),
        };

        foreach (var kind in Kinds)
        {
            var crd = StructuralSchemaGenerator.CustomResourceDefinition(kind);
            var (plural, shortName, status) = expected[kind.Name];
            Assert.Equal(kind.Name, crd.Spec.Names.Kind);
            Assert.Equal(plural, crd.Spec.Names.Plural);
            Assert.Equal(new[] { shortName }, crd.Spec.Names.ShortNames!);
            Assert.Equal("multigres.com", crd.Spec.Group);
            Assert.Equal(status, crd.Spec.Versions[0].Subresources?.Status is not null);
            Assert.Equal(status, crd.Spec.Versions[0].Schema!.OpenApiV3Schema!.Properties!.ContainsKey("status"));
        }

        var shard = StructuralSchemaGenerator.CustomResourceDefinition(typeof(Shard)).Spec.Versions[0];
        Assert.Equal(".spec.replicas", shard.Subresources!.Scale!.SpecReplicasPath);
        Assert.Equal(".status.readyReplicas", shard.Subresources.Scale.StatusReplicasPath);

        var cluster = StructuralSchemaGenerator.CustomResourceDefinition(typeof(MultigresCluster)).Spec.Versions[0];
        Assert.Equal(new[] { "Available", "Age", "Phase", "Images" }, cluster.AdditionalPrinterColumns!.Select(c => c.Name));
        Assert.Equal((int?)1, cluster.AdditionalPrinterColumns![3].Priority);
        var root = Assert.Single(cluster.Schema!.OpenApiV3Schema!.XKubernetesValidations!);
        Assert.Equal("self.metadata.name.size() <= 25", root.Rule);
    }

    [Fact]
    public void Pool_maps_carry_the_rules_of_their_place()
    {
        static List<string> Rules(Type type) =>
            StructuralSchemaGenerator.ForType(type).Properties!["pools"].XKubernetesValidations!.Select(r => r.Rule).ToList();

        const string userLimit = "self.all(key, size(key) <= 25)";
        const string childLimit = "self.all(key, size(key) < 63)";
        const string appendOnly = "oldSelf.all(k, k in self)";

        Assert.Equal(new[] { userLimit, appendOnly }, Rules(typeof(ShardOverrides)));
        Assert.Equal(new[] { userLimit, appendOnly }, Rules(typeof(ShardInlineSpec)));
        Assert.Equal(new[] { childLimit, appendOnly }, Rules(typeof(ShardTemplateSpec)));
        Assert.Equal(new[] { childLimit }, Rules(typeof(ShardResolvedSpec)));
        Assert.Equal(new[] { childLimit }, Rules(typeof(ShardSpec)));

        var poolCells = StructuralSchemaGenerator.ForType(typeof(PoolSpec)).Properties!["cells"];
        Assert.Equal("set", poolCells.XKubernetesListType);
        Assert.Equal((long?)30, poolCells.Items!.MaxLength);
        Assert.Equal("Cells cannot be removed from a pool (Append-Only)", Assert.Single(poolCells.XKubernetesValidations!).Message);
    }

    [Fact]
    public void Schema_defaults_and_verbatim_messages_are_emitted()
    {
        var spec = StructuralSchemaGenerator.ForType(typeof(MultigresClusterSpec));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"whenDeleted":"Delete","whenScaled":"Delete"}"""), spec.Properties!["pvcDeletionPolicy"].Default));
        Assert.Equal("Retain", (string?)spec.Properties["pvcDeletionPolicy"].Properties!["whenDeleted"].Default);
        Assert.Equal("postgres", (string?)spec.Properties["postgresSuperuser"].Default);
        Assert.Equal(new[] { "postgresPasswordSecretRef" }, spec.Required!);

        var s3 = StructuralSchemaGenerator.ForType(typeof(S3BackupConfig));
        Assert.Contains(s3.XKubernetesValidations!, r => r.Message!.Contains("mutually exclusive \u2014 IRSA", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10s", true)]
    [InlineData("1m30s", true)]
    [InlineData("1.5ms", true)]
    [InlineData("500\u00B5s", true)]
    [InlineData("500\u03BCs", true)]
    [InlineData("10", false)]
    [InlineData("1d", false)]
    public void Buffer_durations_follow_the_go_duration_pattern(string value, bool valid)
    {
        var window = StructuralSchemaGenerator.ForType(typeof(GatewayBufferConfig)).Properties!["window"];

        Assert.Equal(SchemaPatterns.Duration, window.Pattern);
        Assert.Equal(valid, Regex.IsMatch(value, window.Pattern!));
    }
}
