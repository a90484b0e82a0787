using System.Text.Json.Nodes;
using MultigresOrleans.CrdGen;
using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Kubernetes.Yaml;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Grains.Abstractions.Tests.Crds;

/// <summary>The committed CRDs are exactly what the generator makes from the C# types, and carry spec §1.0's names and columns.</summary>
public sealed class CrdGenerationTests
{
    [Fact]
    public void Committed_crds_equal_the_generator_output()
    {
        var generated = CrdRenderer.RenderAll();
        var committed = RepositoryPaths.YamlFiles(RepositoryPaths.Crds);

        Assert.Equal(generated.Select(f => f.FileName).Order(StringComparer.Ordinal), committed);
        foreach (var (fileName, content) in generated)
        {
            var onDisk = File.ReadAllText(Path.Combine(RepositoryPaths.Crds, fileName));
            Assert.True(onDisk == content, $"deploy/crds/{fileName} differs from the generator's output: run `make crds` and commit the result");
        }
    }

    [Fact]
    public void The_kustomization_lists_all_eight_crds()
    {
        var kustomization = YamlJson.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Crds, "kustomization.yaml")))!;
        var resources = kustomization["resources"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        Assert.Equal(8, resources.Count);
        foreach (var resource in resources)
            Assert.True(File.Exists(Path.Combine(RepositoryPaths.Crds, resource)), $"kustomization lists {resource}, which does not exist");
    }

    [Theory]
    [InlineData("MultigresCluster", "multigresclusters", "mgc", true, false)]
    [InlineData("CoreTemplate", "coretemplates", "cot", false, false)]
    [InlineData("CellTemplate", "celltemplates", "cet", false, false)]
    [InlineData("ShardTemplate", "shardtemplates", "sht", false, false)]
    [InlineData("Cell", "cells", "cel", true, false)]
    [InlineData("TableGroup", "tablegroups", "tbg", true, false)]
    [InlineData("Shard", "shards", "srd", true, true)]
    [InlineData("TopoServer", "toposervers", "tps", true, false)]
    public void Names_scope_and_subresources_follow_spec_1_0(string kind, string plural, string shortName, bool status, bool scale)
    {
        var crd = Kind(kind).Definition;
        Assert.Equal($"{plural}.multigres.com", crd.Metadata.Name);
        Assert.Equal("multigres.com", crd.Spec.Group);
        Assert.Equal("Namespaced", crd.Spec.Scope);
        Assert.Equal(plural, crd.Spec.Names.Plural);
        Assert.Equal(kind.ToLowerInvariant(), crd.Spec.Names.Singular);
        Assert.Equal(kind + "List", crd.Spec.Names.ListKind);
        Assert.Equal([shortName], crd.Spec.Names.ShortNames!);

        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal("v1alpha1", version.Name);
        Assert.True(version.Served && version.Storage);
        Assert.Equal(status, version.Subresources?.Status is not null);
        Assert.Equal(scale, version.Subresources?.Scale is not null);
        if (scale)
        {
            Assert.Equal(".spec.replicas", version.Subresources!.Scale!.SpecReplicasPath);
            Assert.Equal(".status.readyReplicas", version.Subresources.Scale.StatusReplicasPath);
        }
    }

    [Theory]
    [InlineData("MultigresCluster", "Available:string:.status.conditions[?(@.type=='Available')].status:0|Age:date:.metadata.creationTimestamp:0|Phase:string:.status.phase:0|Images:string:.status.images.appliedRevision:1")]
    [InlineData("Cell", "Gateway:integer:.status.gatewayReadyReplicas:0|Ready:string:.status.conditions[?(@.type=='Available')].status:0|Phase:string:.status.phase:0")]
    [InlineData("TableGroup", "Shards:integer:.status.readyShards:0|Phase:string:.status.phase:0")]
    [InlineData("Shard", "Ready:string:.status.conditions[?(@.type=='Available')].status:0|Phase:string:.status.phase:0")]
    // Deliberately not the reference's 'Available' (spec §16.10): TopoServer sets only a Ready condition.
    [InlineData("TopoServer", "Ready:string:.status.conditions[?(@.type=='Ready')].status:0|Phase:string:.status.phase:0")]
    [InlineData("CoreTemplate", "")]
    [InlineData("CellTemplate", "")]
    [InlineData("ShardTemplate", "")]
    public void Printer_columns_follow_spec_1_0(string kind, string expected)
    {
        var columns = Kind(kind).Definition.Spec.Versions[0].AdditionalPrinterColumns ?? [];
        var actual = string.Join("|", columns.Select(c => $"{c.Name}:{c.Type}:{c.JsonPath}:{c.Priority ?? 0}"));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Templates_have_no_status()
    {
        foreach (var kind in new[] { "CoreTemplate", "CellTemplate", "ShardTemplate" })
            Assert.False(Kind(kind).Schema.Properties!.ContainsKey("status"), $"{kind} must not have a status");
    }

    [Fact]
    public void Schema_defaults_follow_spec_1_1_and_1_2()
    {
        var cluster = Kind("MultigresCluster").Schema;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"whenDeleted":"Delete","whenScaled":"Delete"}"""),
            SchemaPath.At(cluster, "spec.pvcDeletionPolicy").Default));
        Assert.Equal("Retain", SchemaPath.At(cluster, "spec.pvcDeletionPolicy.whenDeleted").Default!.GetValue<string>());
        Assert.Equal("Delete", SchemaPath.At(cluster, "spec.pvcDeletionPolicy.whenScaled").Default!.GetValue<string>());
        Assert.Equal("postgres", SchemaPath.At(cluster, "spec.postgresSuperuser").Default!.GetValue<string>());
        Assert.Equal("sampling-config.yaml", SchemaPath.At(cluster, "spec.observability.samplingConfigRef.key").Default!.GetValue<string>());
        Assert.Equal(["postgresPasswordSecretRef"], SchemaPath.At(cluster, "spec").Required!);
    }

    [Theory]
    [InlineData("MultigresCluster", "spec.cells", "map", "name", 50)]
    [InlineData("MultigresCluster", "spec.databases", "map", "name", 1)]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups", "map", "name", 20)]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards", "map", "name", 32)]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards[].spec.multiorch.cells", "set", "", 50)]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards[].spec.pools{}.cells", "set", "", 10)]
    [InlineData("MultigresCluster", "spec.globalTopoServer.external.endpoints", "set", "", 20)]
    [InlineData("MultigresCluster", "status.conditions", "map", "type", 0)]
    [InlineData("Cell", "spec.allCells", "set", "", 50)]
    [InlineData("TableGroup", "spec.shards", "map", "name", 32)]
    [InlineData("Shard", "status.cells", "set", "", 50)]
    public void List_types_and_bounds_follow_spec_1(string kind, string path, string listType, string mapKey, int maxItems)
    {
        var node = SchemaPath.At(Kind(kind).Schema, path);
        Assert.Equal(listType, node.XKubernetesListType);
        Assert.Equal(mapKey.Length == 0 ? null : [mapKey], node.XKubernetesListMapKeys);
        Assert.Equal(maxItems == 0 ? null : maxItems, node.MaxItems);
    }

    [Theory]
    [InlineData("MultigresCluster", "spec.cells[].name", 1, 30, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [InlineData("MultigresCluster", "spec.databases[].name", 1, 30, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].name", 1, 25, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards[].name", 1, 25, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [InlineData("MultigresCluster", "spec.cells[].zoneId", 1, 63, null)]
    [InlineData("MultigresCluster", "spec.cells[].region", 1, 63, null)]
    [InlineData("MultigresCluster", "spec.postgresPasswordSecretRef.name", 1, 253, @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    [InlineData("MultigresCluster", "spec.postgresPasswordSecretRef.key", 1, 253, "^[-._a-zA-Z0-9]+$")]
    [InlineData("MultigresCluster", "spec.imageUpdatePolicy.acknowledgedRevision", 0, 64, "^[0-9a-f]*$")]
    [InlineData("MultigresCluster", "spec.images.multigateway", 1, 512, null)]
    [InlineData("MultigresCluster", "spec.globalTopoServer.external.endpoints[]", 1, 2048, null)]
    [InlineData("MultigresCluster", "spec.externalGateway.externalIPs[]", 3, 45, @"^(([0-9]{1,3}\.){3}[0-9]{1,3})$|^(([0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4})$")]
    [InlineData("MultigresCluster", "spec.cells[].spec.multigateway.buffer.window", 0, 0, "^([0-9]+(\\.[0-9]+)?(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$")]
    [InlineData("MultigresCluster", "spec.postgresSuperuser", 0, 63, null)]
    [InlineData("Cell", "spec.zoneId", 1, 63, null)]
    [InlineData("TableGroup", "spec.shards[].name", 0, 63, null)]
    public void String_bounds_and_patterns_follow_spec_1_1(string kind, string path, int minLength, int maxLength, string? pattern)
    {
        var node = SchemaPath.At(Kind(kind).Schema, path);
        Assert.Equal("string", node.Type);
        Assert.Equal(minLength == 0 ? null : minLength, node.MinLength);
        Assert.Equal(maxLength == 0 ? null : maxLength, node.MaxLength);
        Assert.Equal(pattern, node.Pattern);
    }

    [Theory]
    [InlineData("MultigresCluster", "spec.multiadmin.spec.replicas", 0L, 128L)]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards[].spec.pools{}.replicasPerCell", 1L, 32L)]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards[].spec.pools{}.postgres.runAsUser", 1L, null)]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards[].spec.pools{}.postgres.runAsGroup", 0L, null)]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards[].spec.pools{}.fsGroup", 1L, null)]
    [InlineData("MultigresCluster", "spec.globalTopoServer.etcd.replicas", 1L, null)]
    [InlineData("MultigresCluster", "spec.cells[].spec.multigateway.buffer.size", 1L, null)]
    [InlineData("MultigresCluster", "spec.cells[].spec.multigateway.buffer.drainConcurrency", 1L, null)]
    public void Numeric_bounds_follow_spec_1_1(string kind, string path, long? minimum, long? maximum)
    {
        var node = SchemaPath.At(Kind(kind).Schema, path);
        Assert.Equal("integer", node.Type);
        Assert.Equal(minimum, (long?)node.Minimum);
        Assert.Equal(maximum, (long?)node.Maximum);
    }

    [Theory]
    [InlineData("MultigresCluster", "spec.images.imagePullPolicy", "Always,Never,IfNotPresent")]
    [InlineData("MultigresCluster", "spec.imageUpdatePolicy.strategy", "immediate,lazy")]
    [InlineData("MultigresCluster", "spec.logLevels.multipooler", "debug,info,warn,error")]
    [InlineData("MultigresCluster", "spec.databases[].tablegroups[].shards[].spec.pools{}.type", "readWrite")]
    [InlineData("MultigresCluster", "spec.backup.type", "filesystem,s3")]
    [InlineData("MultigresCluster", "spec.pvcDeletionPolicy.whenDeleted", "Retain,Delete")]
    [InlineData("MultigresCluster", "spec.observability.otlpProtocol", "http/protobuf,grpc")]
    [InlineData("MultigresCluster", "spec.observability.histogramAggregation", "base2_exponential_bucket_histogram,explicit_bucket_histogram")]
    [InlineData("MultigresCluster", "status.phase", "Initializing,Progressing,Healthy,Degraded,Unknown")]
    [InlineData("MultigresCluster", "status.images.source", "explicit,defaults,mixed")]
    [InlineData("Shard", "status.lastBackupType", "full,diff,incr")]
    public void Enums_follow_spec_1_1(string kind, string path, string values)
    {
        var node = SchemaPath.At(Kind(kind).Schema, path);
        Assert.Equal(values.Split(','), node.Enum!.Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public void Max_properties_follow_spec_1()
    {
        var cluster = Kind("MultigresCluster").Schema;
        Assert.Equal(8, SchemaPath.At(cluster, "spec.databases[].tablegroups[].shards[].spec.pools").MaxProperties);
        Assert.Equal(8, SchemaPath.At(cluster, "spec.databases[].tablegroups[].shards[].overrides.pools").MaxProperties);
        Assert.Equal(200, SchemaPath.At(cluster, "spec.databases[].tablegroups[].shards[].spec.postgresConfig").MaxProperties);
        Assert.Equal(20, SchemaPath.At(cluster, "spec.multiadmin.spec.podAnnotations").MaxProperties);
        Assert.Equal(20, SchemaPath.At(cluster, "spec.externalGateway.annotations").MaxProperties);
        Assert.Equal(50, SchemaPath.At(cluster, "status.cells").MaxProperties);
        Assert.Equal(200, SchemaPath.At(Kind("ShardTemplate").Schema, "spec.postgresConfig").MaxProperties);
        Assert.Equal(8, SchemaPath.At(Kind("Shard").Schema, "spec.pools").MaxProperties);
    }

    internal static MultigresKind Kind(string kind) => MultigresKind.All.Single(k => k.Kind == kind);
}
