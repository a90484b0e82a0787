using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.KubeSim.Schema;

/// <summary>
/// Drops fields a structural schema does not declare, as the API server does for every custom
/// resource (unless `x-kubernetes-preserve-unknown-fields`). `apiVersion`, `kind` and `metadata` at
/// the root are never pruned: the server handles object metadata itself.
/// </summary>
public static class SchemaPruner
{
    public static void Prune(JsonNode? value, JsonSchemaProps schema) => Prune(value, schema, isRoot: true);

    private static void Prune(JsonNode? value, JsonSchemaProps schema, bool isRoot)
    {
        switch (value)
        {
            case JsonObject obj:
                if (schema.XKubernetesPreserveUnknownFields == true && schema.Properties is null && schema.AdditionalProperties is null)
                    return;
                foreach (var (name, child) in obj.ToList())
                {
                    if (isRoot && name is "apiVersion" or "kind" or "metadata")
                        continue;
                    if (schema.Properties is not null && schema.Properties.TryGetValue(name, out var childSchema))
                        Prune(child, childSchema, false);
                    else if (schema.AdditionalProperties is { } additional)
                        Prune(child, additional, false);
                    else if (schema.XKubernetesPreserveUnknownFields != true)
                        obj.Remove(name);
                }
                break;
            case JsonArray array when schema.Items is { } items:
                foreach (var item in array)
                    Prune(item, items, false);
                break;
        }
    }
}
