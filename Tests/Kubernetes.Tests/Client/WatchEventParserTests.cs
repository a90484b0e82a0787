using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Tests.Client;

public sealed class WatchEventParserTests
{
    [Fact]
    public void A_bookmark_is_read_for_its_resource_version_even_when_the_type_has_required_members()
    {
        // A bookmark carries no spec; a custom resource type whose spec is required must still parse it.
        const string Line = """{"type":"BOOKMARK","object":{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"resourceVersion":"4711"}}}""";

        var ev = WatchEventParser.Parse(Line, WidgetJsonContext.Default.Widget);

        Assert.Equal(WatchEventType.Bookmark, ev.Type);
        Assert.Equal("4711", ev.ResourceVersion);
        Assert.Null(ev.Object);
    }

    [Fact]
    public void An_added_object_without_its_required_spec_is_still_an_error()
    {
        const string Line = """{"type":"ADDED","object":{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","resourceVersion":"1"}}}""";

        Assert.ThrowsAny<System.Text.Json.JsonException>(() => WatchEventParser.Parse(Line, WidgetJsonContext.Default.Widget));
    }
}

public sealed class Widget : IKubernetesObject
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "example.com/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Widget";
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public required WidgetSpec Spec { get; set; }
}

public sealed class WidgetSpec
{
    [JsonPropertyName("size")] public int Size { get; set; }
}

[JsonSerializable(typeof(Widget))]
internal sealed partial class WidgetJsonContext : JsonSerializerContext;
