using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Http;

namespace MultigresOrleans.KubeSim.Patching;

/// <summary>
/// RFC 6902 JSON patch (add, remove, replace, move, copy, test) over JSON pointers (RFC 6901).
/// Failures answer the way the API server does: a failed `test` or a missing path is a 422.
/// </summary>
public static class JsonPatch
{
    public static JsonNode? Apply(JsonNode? document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
            throw ApiException.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        var root = new JsonObject { ["$"] = document?.DeepClone() };
        foreach (var opNode in operations)
        {
            if (opNode is not JsonObject op)
                throw ApiException.BadRequest("invalid JSON patch operation");
            var kind = op["op"]?.GetValue<string>() ?? throw ApiException.BadRequest("missing op");
            var path = op["path"]?.GetValue<string>() ?? throw ApiException.BadRequest($"missing path in {kind} operation");
            switch (kind)
            {
                case "add":
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw ApiException.BadRequest("missing from");
                    var value = Get(root, from);
                    Remove(root, from);
                    Add(root, path, value);
                    break;
                }
                case "copy":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw ApiException.BadRequest("missing from");
                    Add(root, path, Get(root, from)?.DeepClone());
                    break;
                }
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), op["value"]))
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    break;
                default:
                    throw ApiException.BadRequest($"Unexpected kind: {kind}");
            }
        }
        return root["$"]?.DeepClone();
    }

    private static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0)
            return [];
        if (pointer[0] != '/')
            throw ApiException.BadRequest($"invalid JSON pointer {pointer}");
        return [.. pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static ApiException Missing(string what) =>
        new(422, "Invalid", $"the server rejected our request due to an error in our request: {what}");

    /// <summary>Walks to the parent of the pointer's last token ("$" wraps the document so "" works).</summary>
    private static (JsonNode Parent, string Last) Parent(JsonObject root, string pointer)
    {
        var tokens = Tokens(pointer);
        JsonNode current = root;
        var last = "$";
        tokens.Insert(0, "$");
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            current = Child(current, tokens[i]) ?? throw Missing($"doc is missing path: \"{pointer}\": missing value");
        }
        last = tokens[^1];
        return (current, last);
    }

    private static JsonNode? Child(JsonNode node, string token) => node switch
    {
        JsonObject o => o.TryGetPropertyValue(token, out var v) ? v : null,
        JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
        _ => null,
    };

    private static JsonNode? Get(JsonObject root, string pointer)
    {
        var (parent, last) = Parent(root, pointer);
        return parent switch
        {
            JsonObject o when o.TryGetPropertyValue(last, out var v) => v,
            JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
            _ => throw Missing($"doc is missing path: \"{pointer}\": missing value"),
        };
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a:
                if (last == "-")
                    a.Add(value);
                else if (int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count)
                    a.Insert(i, value);
                else
                    throw Missing($"add operation does not apply: doc is missing path: \"{pointer}\"");
                break;
            default:
                throw Missing($"doc is missing path: \"{pointer}\"");
        }
    }

    private static void Remove(JsonObject root, string pointer)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                a.RemoveAt(i);
                break;
            default:
                throw Missing($"remove operation does not apply: doc is missing path: \"{pointer}\"");
        }
    }
}
