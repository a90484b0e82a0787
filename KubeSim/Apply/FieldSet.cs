using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.KubeSim.Patching;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Apply;

/// <summary>
/// A set of field paths in the API server's FieldsV1 vocabulary: <c>f:name</c> for a field,
/// <c>k:{"name":"c"}</c> for an item of a keyed list, <c>v:"x"</c> for an item of a set, and
/// <c>.</c> for "the item itself". Leaves are scalars, atomic lists and empty objects, as in
/// structured-merge-diff. List keys come from the CRD schema (x-kubernetes-list-map-keys) or, for
/// built-ins, from the strategic-merge key table.
/// </summary>
public sealed class FieldSet
{
    private const char Separator = '\u0001';
    private readonly HashSet<string> paths;

    private FieldSet(HashSet<string> paths) => this.paths = paths;

    public static FieldSet Empty => new([]);

    public static FieldSet Of(IEnumerable<IReadOnlyList<string>> paths) => new([.. paths.Select(p => string.Join(Separator, p))]);

    public IEnumerable<IReadOnlyList<string>> Paths => paths.Select(p => (IReadOnlyList<string>)p.Split(Separator));

    public bool Contains(IReadOnlyList<string> path) => paths.Contains(string.Join(Separator, path));

    public int Count => paths.Count;

    public FieldSet Except(FieldSet other) => new([.. paths.Where(p => !other.paths.Contains(p))]);

    public FieldSet Intersect(FieldSet other) => new([.. paths.Where(other.paths.Contains)]);

    public FieldSet Union(FieldSet other) => new([.. paths, .. other.paths]);

    public bool IsEmpty => paths.Count == 0;

    /// <summary>The fields an object sets (the whole object for an apply configuration).</summary>
    public static FieldSet FromObject(ResourceType type, JsonObject obj)
    {
        var result = new HashSet<string>();
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind")
                continue;
            if (key == "metadata")
            {
                if (value is not JsonObject meta)
                    continue;
                foreach (var (mk, mv) in meta)
                {
                    if (mk is "labels" or "annotations" or "finalizers" or "ownerReferences")
                        Walk(type, mv, ["metadata", mk], ["f:metadata", "f:" + mk], result);
                }
                continue;
            }
            Walk(type, value, [key], ["f:" + key], result);
        }
        return new FieldSet(result);
    }

    private static void Walk(ResourceType type, JsonNode? node, List<string> fieldPath, List<string> tokens, HashSet<string> result)
    {
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (k, v) in o)
                    Walk(type, v, [.. fieldPath, k], [.. tokens, "f:" + k], result);
                break;
            case JsonArray a when ListKeys(type, fieldPath, a) is { } keys:
                foreach (var item in a)
                {
                    if (ItemToken(item, keys) is not { } token)
                        continue;
                    List<string> itemTokens = [.. tokens, token];
                    result.Add(string.Join(Separator, [.. itemTokens, "."]));
                    if (item is JsonObject io)
                    {
                        foreach (var (k, v) in io)
                            Walk(type, v, [.. fieldPath, "[]", k], [.. itemTokens, "f:" + k], result);
                    }
                }
                break;
            default:
                result.Add(string.Join(Separator, tokens));
                break;
        }
    }

    /// <summary>Keys of a keyed list ([] for a set of scalars), or null for an atomic list.</summary>
    internal static IReadOnlyList<string>? ListKeys(ResourceType type, IReadOnlyList<string> fieldPath, JsonArray list)
    {
        if (type.Schema is { } schema)
        {
            var s = SchemaAt(schema, fieldPath);
            return s?.XKubernetesListType switch
            {
                "map" => s.XKubernetesListMapKeys ?? [],
                "set" => [],
                _ => null,
            };
        }
        var field = fieldPath[^1];
        if (fieldPath is ["metadata", "finalizers"])
            return [];
        return StrategicMergePatch.MergeKey(field, list, null) is { } key ? [key] : null;
    }

    private static JsonSchemaProps? SchemaAt(JsonSchemaProps root, IReadOnlyList<string> fieldPath)
    {
        JsonSchemaProps? current = root;
        foreach (var segment in fieldPath)
        {
            if (current is null)
                return null;
            if (segment == "[]")
                current = current.Items;
            else if (current.Properties?.TryGetValue(segment, out var child) == true)
                current = child;
            else
                current = current.AdditionalProperties;
        }
        return current;
    }

    internal static string? ItemToken(JsonNode? item, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
            return "v:" + (item?.ToJsonString() ?? "null");
        if (item is not JsonObject o)
            return null;
        var key = new JsonObject();
        foreach (var k in keys.Order(StringComparer.Ordinal))
            key[k] = o[k]?.DeepClone();
        return "k:" + key.ToJsonString();
    }

    /// <summary>Whether a list item matches a <c>k:</c> or <c>v:</c> token.</summary>
    internal static bool ItemMatches(JsonNode? item, string token)
    {
        if (token.StartsWith("v:", StringComparison.Ordinal))
            return JsonNode.DeepEquals(item, JsonNode.Parse(token[2..]));
        if (!token.StartsWith("k:", StringComparison.Ordinal) || item is not JsonObject o)
            return false;
        var key = JsonNode.Parse(token[2..]) as JsonObject ?? [];
        return key.All(p => JsonNode.DeepEquals(o[p.Key], p.Value));
    }

    public JsonObject ToFieldsV1()
    {
        var root = new JsonObject();
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var current = root;
            foreach (var token in path.Split(Separator))
            {
                if (current[token] is not JsonObject next)
                {
                    next = new JsonObject();
                    current[token] = next;
                }
                current = next;
            }
        }
        return root;
    }

    public static FieldSet FromFieldsV1(JsonNode? fields)
    {
        var result = new HashSet<string>();
        void Visit(JsonObject node, List<string> prefix)
        {
            foreach (var (token, child) in node)
            {
                List<string> path = [.. prefix, token];
                if (child is JsonObject c && c.Count > 0)
                    Visit(c, path);
                else
                    result.Add(string.Join(Separator, path));
            }
        }
        if (fields is JsonObject o)
            Visit(o, []);
        return new FieldSet(result);
    }

    /// <summary>The value at a path, or (false, null) when absent.</summary>
    internal static (bool Found, JsonNode? Value) Read(JsonObject obj, IReadOnlyList<string> path)
    {
        JsonNode? current = obj;
        foreach (var token in path)
        {
            if (token == ".")
                return (current is not null, current);
            switch (current)
            {
                case JsonObject o when token.StartsWith("f:", StringComparison.Ordinal):
                    if (!o.TryGetPropertyValue(token[2..], out current))
                        return (false, null);
                    break;
                case JsonArray a:
                    current = a.FirstOrDefault(i => ItemMatches(i, token));
                    if (current is null)
                        return (false, null);
                    break;
                default:
                    return (false, null);
            }
        }
        return (true, current);
    }

    /// <summary>Removes the field (or list item, for a path ending in ".") from the object.</summary>
    internal static void Remove(JsonObject obj, IReadOnlyList<string> path)
    {
        var effective = path[^1] == "." ? path.Take(path.Count - 1).ToList() : path.ToList();
        if (effective.Count == 0)
            return;
        var (found, parent) = Read(obj, effective.Take(effective.Count - 1).ToList());
        if (!found)
            return;
        var last = effective[^1];
        switch (parent)
        {
            case JsonObject o when last.StartsWith("f:", StringComparison.Ordinal):
                o.Remove(last[2..]);
                break;
            case JsonArray a:
                var item = a.FirstOrDefault(i => ItemMatches(i, last));
                if (item is not null)
                    a.Remove(item);
                break;
        }
    }

    public static string Display(IReadOnlyList<string> path)
    {
        var parts = new List<string>();
        foreach (var token in path)
        {
            if (token == ".")
                continue;
            if (token.StartsWith("f:", StringComparison.Ordinal))
                parts.Add("." + token[2..]);
            else if (token.StartsWith("k:", StringComparison.Ordinal))
                parts.Add("[" + string.Join(",", (JsonNode.Parse(token[2..]) as JsonObject ?? []).Select(p => $"{p.Key}={JsonValueText(p.Value)}")) + "]");
            else if (token.StartsWith("v:", StringComparison.Ordinal))
                parts.Add("[=" + JsonValueText(JsonNode.Parse(token[2..])) + "]");
        }
        return string.Concat(parts);
    }

    private static string JsonValueText(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? "\"" + v.GetValue<string>() + "\"" : n?.ToJsonString() ?? "null";
}
