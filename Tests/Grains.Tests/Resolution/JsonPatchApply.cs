using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>
/// A small RFC 6902 applier (add, replace, remove) used to check that a computed patch really turns the
/// input into the defaulted document. Strict: a path that does not resolve throws, so a wrong patch fails.
/// </summary>
internal static class JsonPatchApply
{
    public static JsonNode? Apply(JsonNode? document, JsonArray patch)
    {
        var root = document?.DeepClone();
        foreach (var node in patch)
        {
            var operation = (JsonObject)node!;
            var op = (string)operation["op"]!;
            var path = (string)operation["path"]!;
            var value = operation["value"]?.DeepClone();
            if (path.Length == 0)
            {
                root = op switch
                {
                    "replace" or "add" => value,
                    _ => throw new InvalidOperationException($"cannot {op} the whole document"),
                };
                continue;
            }
            if (path[0] != '/')
                throw new InvalidOperationException($"invalid JSON Pointer '{path}'");
            var tokens = path[1..].Split('/').Select(JsonPatchDiff.UnescapeToken).ToArray();
            var parent = root;
            foreach (var token in tokens[..^1])
                parent = Child(parent, token, path);
            var last = tokens[^1];
            switch (parent)
            {
                case JsonObject obj:
                    switch (op)
                    {
                        case "add":
                            obj[last] = value;
                            break;
                        case "replace" when obj.ContainsKey(last):
                            obj[last] = value;
                            break;
                        case "remove" when obj.ContainsKey(last):
                            obj.Remove(last);
                            break;
                        default:
                            throw new InvalidOperationException($"{op} {path}: member '{last}' missing");
                    }
                    break;
                case JsonArray array:
                    if (op == "add" && last == "-")
                    {
                        array.Add(value);
                        break;
                    }
                    var index = int.Parse(last, NumberStyles.None, CultureInfo.InvariantCulture);
                    switch (op)
                    {
                        case "add" when index <= array.Count:
                            array.Insert(index, value);
                            break;
                        case "replace" when index < array.Count:
                            array[index] = value;
                            break;
                        case "remove" when index < array.Count:
                            array.RemoveAt(index);
                            break;
                        default:
                            throw new InvalidOperationException($"{op} {path}: index {index} out of range");
                    }
                    break;
                default:
                    throw new InvalidOperationException($"{op} {path}: parent is not a container");
            }
        }
        return root;
    }

    private static JsonNode? Child(JsonNode? parent, string token, string path) => parent switch
    {
        JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
        JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
        _ => throw new InvalidOperationException($"path {path}: '{token}' does not resolve"),
    };
}
