using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Kubernetes.Tests.Schema;

// Small types that exercise every marker the generator understands.

public sealed class ZoneAttribute() : StringSchemaAttribute(1, 8, "^[a-z]+$");

[JsonConverter(typeof(JsonStringEnumConverter<Colour>))]
public enum Colour
{
    [JsonStringEnumMemberName("red")] Red,
    [JsonStringEnumMemberName("deep-blue")] DeepBlue,
}

[CustomResource("example.com", "v1", "Widget", "widgets", ShortNames = ["wd"], StatusSubresource = true,
    ScaleSpecReplicasPath = ".spec.replicas", ScaleStatusReplicasPath = ".status.ready")]
[PrinterColumn("Ready", "integer", ".status.ready")]
[PrinterColumn("Colour", "string", ".spec.colour", Priority = 1)]
public sealed record Widget : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; init; } = "example.com/v1";
    [JsonPropertyName("kind")] public string Kind { get; init; } = "Widget";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; init; } = new();
    [JsonPropertyName("spec")] public required WidgetSpec Spec { get; init; }
    [JsonPropertyName("status")] public WidgetStatus? Status { get; init; }
}

[XValidation("!(has(self.a) && has(self.b))", "a and b exclude each other")]
public sealed record WidgetSpec
{
    [JsonPropertyName("name"), Zone] public required string Name { get; init; }
    [JsonPropertyName("replicas"), Minimum(0), Maximum(10)] public int? Replicas { get; init; }
    [JsonPropertyName("colour"), SchemaDefault("\"red\"")] public Colour? Colour { get; init; }
    [JsonPropertyName("zones"), Zone, ListType("set"), MaxItems(3)] public IReadOnlyList<string>? Zones { get; init; }
    [JsonPropertyName("labels"), MaxProperties(2), XValidation("self.all(k, size(k) < 5)", "short keys")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("parts"), ListType("map", "id")] public IReadOnlyList<Part>? Parts { get; init; }
    [JsonPropertyName("size")] public Quantity? Size { get; init; }
    [JsonPropertyName("since")] public DateTimeOffset? Since { get; init; }
    [JsonPropertyName("a")] public string? A { get; init; }
    [JsonPropertyName("b")] public string? B { get; init; }
}

public sealed record Part
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("count"), XValidation("self >= oldSelf", "count may only grow")] public long? Count { get; init; }
}

public sealed record WidgetStatus
{
    [JsonPropertyName("ready")] public int? Ready { get; init; }
}
