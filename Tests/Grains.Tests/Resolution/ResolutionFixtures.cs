using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>Builders and JSON comparison shared by the resolver tests.</summary>
internal static class ResolutionFixtures
{
    public static readonly PostgresPasswordSecretRef Password = new() { Name = "pw", Key = "password" };

    public static MultigresClusterSpec Spec(params string[] cells) => new()
    {
        PostgresPasswordSecretRef = Password,
        Cells = cells.Length == 0 ? null : cells.Select(c => new CellConfig { Name = c, ZoneId = "z-" + c }).ToList(),
    };

    public static MultigresCluster Cluster(MultigresClusterSpec spec) => new()
    {
        Metadata = new ObjectMeta { Name = "c", Namespace = "ns" },
        Spec = spec,
    };

    public static InMemoryTemplateSource Templates(
        IEnumerable<CoreTemplate>? core = null,
        IEnumerable<CellTemplate>? cell = null,
        IEnumerable<ShardTemplate>? shard = null) =>
        new(core ?? [], cell ?? [], shard ?? []);

    public static CoreTemplate Core(string name, CoreTemplateSpec spec) => new() { Metadata = new ObjectMeta { Name = name }, Spec = spec };

    public static CellTemplate CellT(string name, CellTemplateSpec spec) => new() { Metadata = new ObjectMeta { Name = name }, Spec = spec };

    public static ShardTemplate ShardT(string name, ShardTemplateSpec spec) => new() { Metadata = new ObjectMeta { Name = name }, Spec = spec };

    public static ResourceRequirements Res(string? cpu, string? memory, string? memoryLimit = null) => new()
    {
        Requests = Map(("cpu", cpu), ("memory", memory)),
        Limits = memoryLimit is null ? null : Map(("memory", memoryLimit)),
    };

    public static IReadOnlyDictionary<string, T> Dict<T>(params (string Key, T Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    /// <summary>Any API value as JSON, via the API's source-generated metadata (nulls omitted).</summary>
    public static JsonNode? ToJson<T>(T value) =>
        Normalize(JsonSerializer.SerializeToNode(value, MultigresJsonContext.Default.GetTypeInfo(typeof(T))!));

    public static JsonNode? Yaml(string yaml) => Normalize(YamlJson.Parse(yaml));

    /// <summary>Re-parsed from text so values built in different ways compare by their JSON alone.</summary>
    public static JsonNode? Normalize(JsonNode? node) => node is null ? null : JsonNode.Parse(node.ToJsonString());

    public static void AssertJson(JsonNode? expected, JsonNode? actual)
    {
        var e = Normalize(expected);
        var a = Normalize(actual);
        Assert.True(JsonNode.DeepEquals(e, a), $"expected:\n{e?.ToJsonString()}\nactual:\n{a?.ToJsonString()}");
    }

    public static void AssertJson(string expectedYaml, JsonNode? actual) => AssertJson(Yaml(expectedYaml), actual);

    private static Dictionary<string, Quantity>? Map(params (string Key, string? Value)[] entries)
    {
        var present = entries.Where(e => e.Value is not null).ToList();
        return present.Count == 0 ? null : present.ToDictionary(e => e.Key, e => new Quantity(e.Value!), StringComparer.Ordinal);
    }
}
