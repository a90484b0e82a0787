using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Client;

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>No change: the server says everything up to <see cref="WatchEvent{T}.ResourceVersion"/> was delivered.</summary>
    Bookmark,

    Error,
}

/// <summary>
/// One line of a watch stream. For a bookmark, <see cref="Object"/> carries only apiVersion, kind
/// and metadata.resourceVersion.
/// </summary>
public sealed record WatchEvent<T>(WatchEventType Type, T? Object, string? ResourceVersion, Status? Status = null)
    where T : class;

/// <summary>A watch stream went silent for longer than its idle timeout; the caller reconnects.</summary>
public sealed class WatchIdleTimeoutException(TimeSpan idleTimeout)
    : TimeoutException($"no watch event or bookmark for {idleTimeout}")
{
    public TimeSpan IdleTimeout { get; } = idleTimeout;
}

internal static class WatchEventParser
{
    public static WatchEvent<T> Parse<T>(string line, JsonTypeInfo<T> typeInfo) where T : class
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var typeText = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        var type = typeText switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            _ => throw new JsonException($"unknown watch event type '{typeText}'"),
        };
        if (!root.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
            throw new JsonException("watch event without an object");
        if (type == WatchEventType.Error)
            return new WatchEvent<T>(type, null, null, obj.Deserialize(KubernetesJsonContext.Default.Status));
        // A bookmark's object carries only apiVersion, kind and metadata.resourceVersion: reading it as T
        // would fail for any type with required members (a CRD's spec), and only the version matters.
        if (type == WatchEventType.Bookmark)
            return new WatchEvent<T>(type, null, ResourceVersionOf(obj));
        return new WatchEvent<T>(type, obj.Deserialize(typeInfo), ResourceVersionOf(obj));
    }

    public static string? ResourceVersionOf(JsonElement obj) =>
        obj.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
        && m.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String
            ? rv.GetString()
            : null;
}
