using System.Text.Json.Nodes;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>
/// An RFC 6902 JSON Patch as the difference of two JSON documents, for the mutating webhook's response.
/// </summary>
/// <remarks>
/// <para>Objects are compared key by key: a key only in the source is removed, a key only in the target is
/// added, a key in both is diffed recursively, so an unchanged subtree produces no operation.</para>
/// <para>Arrays: when both have the same length they are diffed index by index (so adding a field to
/// <c>cells[0]</c> is one small <c>add</c>); when the lengths differ the whole array is replaced. Computing a
/// minimal edit script of inserts and removes would make the patch smaller in rare cases but order-dependent
/// and harder to verify; the defaulter never changes a list's length except to create it, so this choice
/// keeps patches small where it matters.</para>
/// <para>Anything else that differs (scalars, or a change of JSON type) is one <c>replace</c>. Paths are JSON
/// Pointers (RFC 6901) with <c>~</c> escaped as <c>~0</c> and <c>/</c> as <c>~1</c>.</para>
/// </remarks>
public static class JsonPatchDiff
{
    /// <summary>The operations that turn <paramref name="source"/> into <paramref name="target"/>, with paths under <paramref name="basePath"/>.</summary>
    public static JsonArray Diff(JsonNode? source, JsonNode? target, string basePath = "")
    {
        ArgumentNullException.ThrowIfNull(basePath);
        var operations = new JsonArray();
        DiffInto(operations, source, target, basePath);
        return operations;
    }

    /// <summary>One reference token of a JSON Pointer; <c>~</c> first so an escaped <c>/</c> is not escaped again.</summary>
    public static string EscapeToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }

    /// <summary>The inverse of <see cref="EscapeToken"/>; <c>~1</c> first per RFC 6901 §4.</summary>
    public static string UnescapeToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
    }

    private static void DiffInto(JsonArray operations, JsonNode? source, JsonNode? target, string path)
    {
        if (JsonNode.DeepEquals(source, target))
            return;

        switch (source, target)
        {
            case (JsonObject from, JsonObject to):
                foreach (var (key, value) in from)
                {
                    var child = path + "/" + EscapeToken(key);
                    if (!to.TryGetPropertyValue(key, out var toValue))
                        operations.Add(Operation("remove", child, null, withValue: false));
                    else
                        DiffInto(operations, value, toValue, child);
                }
                foreach (var (key, value) in to)
                {
                    if (!from.ContainsKey(key))
                        operations.Add(Operation("add", path + "/" + EscapeToken(key), value, withValue: true));
                }
                break;

            case (JsonArray from, JsonArray to) when from.Count == to.Count:
                for (var i = 0; i < from.Count; i++)
                    DiffInto(operations, from[i], to[i], path + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;

            default:
                operations.Add(Operation("replace", path, target, withValue: true));
                break;
        }
    }

    private static JsonObject Operation(string op, string path, JsonNode? value, bool withValue)
    {
        var operation = new JsonObject { ["op"] = op, ["path"] = path };
        if (withValue)
            operation["value"] = value?.DeepClone();
        return operation;
    }
}
