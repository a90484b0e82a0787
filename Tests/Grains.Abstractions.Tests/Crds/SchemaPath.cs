using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Abstractions.Tests.Crds;

/// <summary>
/// Finds a node of an OpenAPI schema by a path such as <c>spec.cells[].spec</c> (<c>[]</c> = list
/// items, <c>{}</c> = map values; empty = the root), failing with the path that was missing.
/// </summary>
internal static class SchemaPath
{
    public static JsonSchemaProps At(JsonSchemaProps root, string path)
    {
        var node = root;
        if (path.Length == 0)
            return node;
        foreach (var segment in path.Split('.'))
        {
            var name = segment;
            var suffixes = new List<string>();
            while (name.EndsWith("[]", StringComparison.Ordinal) || name.EndsWith("{}", StringComparison.Ordinal))
            {
                suffixes.Insert(0, name[^2..]);
                name = name[..^2];
            }
            node = node.Properties is not null && node.Properties.TryGetValue(name, out var child)
                ? child
                : throw new Xunit.Sdk.XunitException($"schema has no property '{name}' on the way to '{path}'");
            foreach (var suffix in suffixes)
            {
                node = (suffix == "[]" ? node.Items : node.AdditionalProperties)
                    ?? throw new Xunit.Sdk.XunitException($"schema node '{name}' has no {(suffix == "[]" ? "items" : "additionalProperties")} on the way to '{path}'");
            }
        }
        return node;
    }
}
