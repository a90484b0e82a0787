using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Kubernetes.Schema;
using MultigresOrleans.Kubernetes.Yaml;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Grains.Tests.Samples;

/// <summary>
/// Every shipped sample is accepted by the schema and the CEL rules and survives a round trip
/// through the C# types; the two reference samples that break the reference's own rules (spec §15,
/// §16.23) are rejected with the API server's message, and their fixed copies are accepted.
/// </summary>
public sealed class SampleTests
{
    /// <summary>The reference samples that fail CEL, with the failing path.</summary>
    private static readonly Dictionary<string, string> BrokenUpstream = new(StringComparer.Ordinal)
    {
        ["overrides.yaml"] = "spec.cells[0]",
        ["external-etcd.yaml"] = "spec.cells[1]",
    };

    public static TheoryData<string> DeploySamples => new(RepositoryPaths.YamlFiles(RepositoryPaths.Samples));

    public static TheoryData<string> SharedSamples => new(RepositoryPaths.YamlFiles(RepositoryPaths.SharedSamples));

    [Fact]
    public void Deploy_samples_hold_every_reference_sample()
    {
        Assert.Equal(RepositoryPaths.YamlFiles(RepositoryPaths.SharedSamples), RepositoryPaths.YamlFiles(RepositoryPaths.Samples));
    }

    [Theory]
    [MemberData(nameof(DeploySamples))]
    public void Deploy_sample_is_accepted_by_schema_and_cel(string file)
    {
        var documents = Documents(Path.Combine(RepositoryPaths.Samples, file));
        Assert.NotEmpty(documents);
        foreach (var document in documents)
        {
            var errors = ManifestValidation.CheckCreate(document);
            Assert.True(errors.Count == 0, $"{file}: {string.Join("; ", errors)}");
        }
    }

    [Theory]
    [MemberData(nameof(DeploySamples))]
    public void Deploy_sample_round_trips_through_the_types(string file)
    {
        foreach (var document in Documents(Path.Combine(RepositoryPaths.Samples, file)))
        {
            var first = ManifestReader.Read(document);
            if (first.Object is null)
                continue;
            var typeInfo = MultigresKind.Find(first.ApiVersion, first.Kind)!.TypeInfo;

            // YAML → types → JSON equals the YAML's own JSON: no field lost, renamed or invented.
            var json = JsonSerializer.SerializeToNode(first.Object, typeInfo)!.AsObject();
            Assert.True(JsonNode.DeepEquals(document, json),
                $"{file} {first.Describe()}: the JSON written from the types differs from the manifest\nmanifest: {document.ToJsonString()}\nwritten:  {json.ToJsonString()}");

            // JSON → types → JSON is stable.
            var second = ManifestReader.Read(json);
            Assert.True(JsonNode.DeepEquals(json, JsonSerializer.SerializeToNode(second.Object, typeInfo)), $"{file}: second round trip differs");
        }
    }

    [Theory]
    [MemberData(nameof(SharedSamples))]
    public void Reference_sample_is_accepted_unless_it_breaks_the_reference_rules(string file)
    {
        var errors = Documents(Path.Combine(RepositoryPaths.SharedSamples, file)).SelectMany(ManifestValidation.CheckCreate).ToList();
        if (BrokenUpstream.TryGetValue(file, out var path))
        {
            var error = Assert.Single(errors);
            Assert.Equal(path, error.Path);
            Assert.Equal($"{path}: Invalid value: \"object\": at least one of 'zoneId' or 'region' must be specified", error.ToString());
        }
        else
        {
            Assert.True(errors.Count == 0, $"{file}: {string.Join("; ", errors)}");
        }
    }

    [Fact]
    public void The_eks_guide_manifest_ships_unchanged()
    {
        Assert.Equal(
            File.ReadAllText(Path.Combine(RepositoryPaths.SharedSamples, "eks-multi-az.yaml")),
            File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "eks-multi-az.yaml")));
    }

    [Fact]
    public void The_eks_guide_manifest_reads_as_the_guide_describes()
    {
        var manifests = ManifestReader.ReadAll(File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "eks-multi-az.yaml")));
        Assert.Equal(["Namespace", "Secret", "ServiceAccount", "CoreTemplate", "CellTemplate", "ShardTemplate", "MultigresCluster"], manifests.Select(m => m.Kind));

        var cluster = Assert.IsType<MultigresCluster>(manifests[^1].Object);
        Assert.Equal("demo-multi-az", cluster.Metadata.Name);
        Assert.Equal(["use1-az1", "use1-az2", "use1-az6"], cluster.Spec.Cells!.Select(c => c.ZoneId));
        Assert.Equal(PullPolicy.Always, cluster.Spec.Images!.ImagePullPolicy);
        var database = Assert.Single(cluster.Spec.Databases!);
        Assert.Equal(BackupType.S3, database.Backup!.Type);
        Assert.Equal("multigres-backup", database.Backup.S3!.ServiceAccountName);
        var pool = database.TableGroups![0].Shards![0].Spec!.Pools!["default"];
        Assert.Equal(1, pool.ReplicasPerCell);
    }

    [Fact]
    public void Fixed_samples_differ_from_the_reference_only_by_the_cell_location()
    {
        foreach (var (file, path) in BrokenUpstream)
        {
            var original = Documents(Path.Combine(RepositoryPaths.SharedSamples, file))[0];
            var fixedCopy = Documents(Path.Combine(RepositoryPaths.Samples, file))[0];
            var index = int.Parse(path[^2..^1], System.Globalization.CultureInfo.InvariantCulture);
            var cell = fixedCopy["spec"]!["cells"]![index]!.AsObject();
            Assert.NotNull(cell["zoneId"]);
            cell.Remove("zoneId");
            Assert.True(JsonNode.DeepEquals(original, fixedCopy), $"{file}: the fix changes more than the cell's zoneId");
        }
    }

    private static List<JsonObject> Documents(string path) =>
        YamlJson.ParseDocuments(File.ReadAllText(path)).Select(d => d!.AsObject()).ToList();
}
