using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.KubeSim.Patching;
using MultigresOrleans.KubeSim.Schema;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Yaml;
using Xunit.Abstractions;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// <see cref="EndToEndFixture"/> plus one Node per zone ID and region the samples name (so the §3.1
/// topology check finds them), on its own KubeSim: the plain fixture's tests expect the zone warning.
/// KubeSim's default StorageClass <c>standard</c> covers the §3.1 step 5 check.
/// </summary>
public sealed class SamplesFixture : EndToEndFixture
{
    public static readonly string[] ZoneIds = ["us-central1-a", "us-central1-b", "use1-az1", "use1-az2", "use1-az3", "use1-az6"];

    protected override async Task SeedAsync()
    {
        var nodes = Client.Dynamic(KnownResources.Nodes);
        foreach (var zoneId in ZoneIds)
        {
            var region = zoneId.StartsWith("use1-", StringComparison.Ordinal) ? "us-east-1" : "us-central1";
            await nodes.CreateAsync(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["metadata"] = new JsonObject
                {
                    ["name"] = "sample-node-" + zoneId,
                    ["labels"] = new JsonObject
                    {
                        ["kubernetes.io/hostname"] = "sample-node-" + zoneId,
                        ["topology.k8s.aws/zone-id"] = zoneId,
                        ["topology.kubernetes.io/region"] = region,
                    },
                },
                ["spec"] = new JsonObject(),
            });
        }
    }
}

/// <summary>
/// Every manifest of <c>deploy/samples</c> applied with the real kubectl through KubeSim and the
/// webhook: accepted, stored exactly as the pure defaulter (<see cref="MutationPatch"/>) defaults it
/// with the same templates, and complete (admitting the stored object again changes nothing).
/// Each case runs in its own namespace (the samples' <c>namespace: default</c> is rewritten), so the
/// <c>default</c> templates of one case cannot leak into another; <c>eks-multi-az.yaml</c> brings its own.
/// </summary>
public sealed partial class SampleAdmissionTests(SamplesFixture fixture, ITestOutputHelper output) : IClassFixture<SamplesFixture>
{
    private static readonly ApiResource Clusters = new("multigres.com", "v1alpha1", "multigresclusters", true, "MultigresCluster");
    private const string Secret = "postgres-password-secret.yaml";
    private static readonly string[] StandardTemplates = ["templates/core.yaml", "templates/cell.yaml", "templates/shard.yaml"];
    private static readonly string[] DefaultTemplates = ["default-templates/core.yaml", "default-templates/cell.yaml", "default-templates/shard.yaml"];

    /// <summary>Case name → files applied in order (prerequisites first, the cluster last) and warnings the webhook must return.</summary>
    private static readonly Dictionary<string, (string[] Files, string[] Warnings)> Cases = new(StringComparer.Ordinal)
    {
        ["minimal"] = (["minimal.yaml"], []),
        ["no-templates"] = ([Secret, "no-templates.yaml"],
            ["Shard '0-inf' uses filesystem backups with ReadWriteOnce (RWO) storage but 5 poolers mount the shard-wide backup PVC."]),
        ["templated-cluster"] = ([Secret, .. StandardTemplates, "templated-cluster.yaml"], []),
        ["overrides"] = ([Secret, .. StandardTemplates, "overrides.yaml"],
            ["Pool 'analytics' defined in overrides for shard '0-inf' does not exist in template 'standard-shard'. A new pool will be created."]),
        ["external-etcd"] = ([Secret, "external-etcd.yaml"], []),
        ["topology"] = ([Secret, "topology.yaml"], []),
        ["eks-multi-az"] = (["eks-multi-az.yaml"], []),
        ["default-templates"] = ([.. DefaultTemplates, "minimal.yaml"], []),
    };

    public static TheoryData<string> SampleCases => [.. Cases.Keys];

    [Fact]
    public void Every_sample_file_is_applied_by_some_case()
    {
        var covered = Cases.Values.SelectMany(c => c.Files).ToHashSet(StringComparer.Ordinal);
        var missing = RepositoryPaths.YamlFiles(RepositoryPaths.Samples).Where(f => !covered.Contains(f.Replace('\\', '/'))).ToList();
        Assert.True(missing.Count == 0, "samples no case applies: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(SampleCases))]
    public async Task A_sample_is_admitted_stored_fully_defaulted_and_admitting_it_again_is_a_no_op(string sample)
    {
        var (files, expectedWarnings) = Cases[sample];
        var ns = "sample-" + sample;
        var created = await fixture.Kubectl.RunAsync("create", "namespace", ns);
        Assert.True(created.ExitCode == 0, created.ToString());

        var documents = new List<JsonObject>();
        var warnings = new List<string>();
        foreach (var file in files)
        {
            var yaml = InNamespace(File.ReadAllText(Path.Combine(RepositoryPaths.Samples, file)), ns);
            var applied = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], yaml);
            Assert.True(applied.ExitCode == 0, $"{file}: {applied}");
            output.WriteLine($"{file}:\n{applied.Stdout}{applied.Stderr}");
            warnings.AddRange(applied.Stderr.Split('\n').Where(l => l.StartsWith("Warning: ", StringComparison.Ordinal)));
            documents.AddRange(YamlJson.ParseDocuments(yaml).OfType<JsonObject>());
        }

        // The nodes of SamplesFixture carry every zone the samples name: no topology warning.
        Assert.DoesNotContain(warnings, w => w.Contains("no nodes currently match", StringComparison.Ordinal));
        foreach (var expected in expectedWarnings)
            Assert.Contains(warnings, w => w.Contains(expected, StringComparison.Ordinal));

        var templates = TemplatesOf(documents);
        var inputs = documents.Where(d => Kind(d) == ApiConstants.MultigresClusterKind).ToList();
        Assert.NotEmpty(inputs);
        foreach (var input in inputs)
        {
            var name = input["metadata"]!["name"]!.GetValue<string>();
            var clusterNs = input["metadata"]!["namespace"]!.GetValue<string>();
            var stored = await fixture.Client.Dynamic(Clusters).GetAsync(name, clusterNs);

            // What the pure defaulter makes of the manifest, as the API server runs it: the CRD's
            // structural defaults (postgresSuperuser, pvcDeletionPolicy fields, secret ref keys) are
            // applied on decode, before the mutating webhook, and again to the patched object.
            var received = WithCrdDefaults(input);
            var patch = MutationPatch.Compute((JsonObject)received.DeepClone(), templates).Patch;
            Assert.True(patch.Count > 0, $"{name}: the sample is already fully defaulted, so this case proves nothing about the webhook");
            var expected = WithCrdDefaults(JsonPatch.Apply(received, patch)!.AsObject())["spec"];
            Assert.True(JsonNode.DeepEquals(expected, stored["spec"]),
                $"{name}: stored spec differs from the defaulter's by {JsonPatchDiff.Diff(expected, stored["spec"], "/spec").ToJsonString()}");

            // Complete: the defaulter has nothing to add to the stored object ...
            var again = MutationPatch.Compute((JsonObject)stored.DeepClone(), templates);
            Assert.True(again.Patch.Count == 0, $"{name}: {again.Patch.ToJsonString()}");
            // ... and writing the stored object back (PUT, through both webhooks) is a no-op write:
            // the API server keeps the resourceVersion only when nothing at all changed.
            var after = await fixture.Client.Dynamic(Clusters).UpdateAsync((JsonObject)stored.DeepClone());
            Assert.True(stored["metadata"]!["resourceVersion"]!.GetValue<string>() == after["metadata"]!["resourceVersion"]!.GetValue<string>(),
                $"{name}: writing the stored object back changed {JsonPatchDiff.Diff(stored, after).ToJsonString()}");
            Assert.Equal(stored["metadata"]!["generation"]!.GetValue<long>(), after["metadata"]!["generation"]!.GetValue<long>());
        }
    }

    private static InMemoryTemplateSource TemplatesOf(List<JsonObject> documents)
    {
        IEnumerable<T> Of<T>(string kind, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
            documents.Where(d => Kind(d) == kind).Select(d => d.Deserialize(type)!);
        return new InMemoryTemplateSource(
            Of(ApiConstants.CoreTemplateKind, MultigresJsonContext.Default.CoreTemplate),
            Of(ApiConstants.CellTemplateKind, MultigresJsonContext.Default.CellTemplate),
            Of(ApiConstants.ShardTemplateKind, MultigresJsonContext.Default.ShardTemplate));
    }

    private static readonly Lazy<JsonSchemaProps> ClusterSchema = new(() =>
    {
        var crd = YamlJson.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Crds, "multigres.com_multigresclusters.yaml")))!;
        return crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"].Deserialize(ApiExtensionsJsonContext.Default.JsonSchemaProps)!;
    });

    /// <summary>The object as the API server holds it: unknown fields pruned, schema defaults applied.</summary>
    private static JsonObject WithCrdDefaults(JsonObject cluster)
    {
        var copy = (JsonObject)cluster.DeepClone();
        SchemaPruner.Prune(copy, ClusterSchema.Value);
        SchemaDefaulter.Apply(copy, ClusterSchema.Value);
        return copy;
    }

    private static string? Kind(JsonObject document) => document["kind"]?.GetValue<string>();

    private static string InNamespace(string yaml, string ns) => DefaultNamespace().Replace(yaml, "${indent}namespace: " + ns);

    [GeneratedRegex(@"^(?<indent>[ \t]*)namespace:[ \t]*[""']?default[""']?[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex DefaultNamespace();
}
