using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.KubeSim.Schema;

/// <summary>
/// Applies structural-schema `default`s the way the API server does on every read and write of a
/// custom resource: an absent property with a default gets it, and defaulting recurses into the
/// default itself and into array items and map values. Nulls of non-nullable fields with a
/// default are replaced too, as in the real server.
/// </summary>
public static class SchemaDefaulter
{
    public static void Apply(JsonNode? value, JsonSchemaProps schema)
    {
        switch (value)
        {
            case JsonObject obj:
                if (schema.Properties is not null)
                {
                    foreach (var (name, propertySchema) in schema.Properties)
                    {
                        var present = obj.TryGetPropertyValue(name, out var child);
                        if ((!present || (child is null && propertySchema.Nullable != true)) && propertySchema.Default is not null)
                        {
                            obj[name] = child = propertySchema.Default.DeepClone();
                        }
                        if (child is not null)
                            Apply(child, propertySchema);
                    }
                }
                if (schema.AdditionalProperties is { } additional)
                {
                    foreach (var (_, child) in obj.ToList())
                        Apply(child, additional);
                }
                break;
            case JsonArray array when schema.Items is { } items:
                foreach (var item in array)
                    Apply(item, items);
                break;
        }
    }
}
