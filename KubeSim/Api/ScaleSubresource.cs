using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Storage;
using MultigresOrleans.KubeSim.Tables;

namespace MultigresOrleans.KubeSim.Api;

/// <summary>
/// The `scale` subresource: an autoscaling/v1 Scale view of an object's replica fields, at the
/// paths a CRD declares (`.spec.replicas`, `.status.replicas`, `.status.selector`) or the
/// built-in workloads' fixed ones.
/// </summary>
public static class ScaleSubresource
{
    public static JsonObject ToScale(ResourceType type, JsonObject obj)
    {
        var paths = type.Scale ?? throw ApiException.NotFound(type.Group, type.Plural + "/scale", obj["metadata"]?["name"]?.GetValue<string>() ?? "");
        var meta = obj["metadata"] as JsonObject ?? new JsonObject();
        var scaleMeta = new JsonObject();
        foreach (var field in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (meta[field] is { } v)
                scaleMeta[field] = v.DeepClone();
        }
        var status = new JsonObject { ["replicas"] = Read(obj, paths.StatusReplicasPath) ?? 0 };
        if (paths.LabelSelectorPath is { } selectorPath && Read(obj, selectorPath) is { } selector)
            status["selector"] = selector;
        else if (!type.IsCustom && obj["spec"]?["selector"]?["matchLabels"] is JsonObject matchLabels)
            status["selector"] = string.Join(",", matchLabels.Select(p => $"{p.Key}={p.Value}"));
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = new JsonObject { ["replicas"] = Read(obj, paths.SpecReplicasPath) ?? 0 },
            ["status"] = status,
        };
    }

    /// <summary>The object with spec replicas taken from a (patched or PUT) Scale.</summary>
    public static JsonObject FromScale(ResourceType type, JsonObject current, JsonObject scale, string name)
    {
        var paths = type.Scale ?? throw ApiException.NotFound(type.Group, type.Plural + "/scale", name);
        var replicas = scale["spec"]?["replicas"];
        if (!JsonNumbers.TryGetLong(replicas, out var n) || n < 0)
            throw ApiException.Invalid("Scale.autoscaling", "autoscaling", "Scale", name,
                [("spec.replicas", "FieldValueInvalid", $"Invalid value: {replicas?.ToJsonString() ?? "null"}: must be greater than or equal to 0")]);
        var updated = (JsonObject)current.DeepClone();
        Write(updated, paths.SpecReplicasPath, JsonValue.Create(n));
        return updated;
    }

    private static JsonNode? Read(JsonObject obj, string path)
    {
        var results = JsonPathExpression.Parse(path).Evaluate(obj);
        return results.Count > 0 ? results[0]?.DeepClone() : null;
    }

    private static void Write(JsonObject obj, string path, JsonNode value)
    {
        var segments = path.TrimStart('.').Split('.');
        var current = obj;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (current[segments[i]] is not JsonObject next)
            {
                next = new JsonObject();
                current[segments[i]] = next;
            }
            current = next;
        }
        current[segments[^1]] = value;
    }
}
