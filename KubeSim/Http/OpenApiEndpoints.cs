using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Http;

/// <summary>
/// /openapi/v3: the index of group-versions and one document per group-version. kubectl reads it
/// to decide whether the server validates fields itself: it looks for the PATCH operation of the
/// object's kind (tagged `x-kubernetes-group-version-kind`) and its `fieldValidation` query
/// parameter, and then sends `fieldValidation=Strict` instead of validating client-side. Built-in
/// PATCH operations deliberately do not list the strategic-merge media type, so kubectl computes
/// strategic merge patches from its compiled-in types rather than from these (schema-light) documents.
/// </summary>
internal sealed class OpenApiEndpoints(ResourceRegistry registry)
{
    public JsonObject Index()
    {
        var paths = new JsonObject();
        foreach (var gv in registry.All.Select(t => (t.Group, t.Version)).Distinct())
        {
            var key = Key(gv.Group, gv.Version);
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash(Document(gv.Group, gv.Version)!)}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    private static string Key(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private static string Hash(JsonObject doc) =>
        Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(doc.ToJsonString())))[..64];

    /// <summary>The document for "api/v1" or "apis/&lt;group&gt;/&lt;version&gt;"; null if not served.</summary>
    public JsonObject? DocumentFor(string relative)
    {
        var parts = relative.Trim('/').Split('/');
        return parts switch
        {
            ["api", var v] => Document("", v),
            ["apis", var g, var v] => Document(g, v),
            _ => null,
        };
    }

    private JsonObject? Document(string group, string version)
    {
        var types = registry.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
            return null;
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var t in types)
        {
            var schemaName = SchemaName(t);
            schemas[schemaName] = SchemaFor(t);
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var collection = t.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{t.Plural}" : $"{prefix}/{t.Plural}";
            var item = collection + "/{name}";
            paths[collection] = new JsonObject
            {
                ["get"] = Operation(t, "list", schemaName),
                ["post"] = Operation(t, "post", schemaName),
                ["delete"] = Operation(t, "deletecollection", schemaName),
            };
            paths[item] = new JsonObject
            {
                ["get"] = Operation(t, "get", schemaName),
                ["put"] = Operation(t, "put", schemaName),
                ["patch"] = Operation(t, "patch", schemaName),
                ["delete"] = Operation(t, "delete", schemaName),
            };
            if (t.HasStatus)
            {
                paths[item + "/status"] = new JsonObject
                {
                    ["get"] = Operation(t, "get", schemaName),
                    ["put"] = Operation(t, "put", schemaName),
                    ["patch"] = Operation(t, "patch", schemaName),
                };
            }
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = KubeSimVersion.GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static string SchemaName(ResourceType t)
    {
        if (t.IsCustom)
            return string.Join('.', t.Group.Split('.').Reverse()) + $".{t.Version}.{t.Kind}";
        var group = t.Group.Length == 0 ? "core" : t.Group.Split('.')[0];
        return $"io.k8s.api.{group}.{t.Version}.{t.Kind}";
    }

    private static JsonObject SchemaFor(ResourceType t)
    {
        JsonObject schema = t.Schema is { } s
            ? JsonSerializer.SerializeToNode(s, SkipNulls) as JsonObject ?? new JsonObject()
            : new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(t));
        return schema;
    }

    private static readonly JsonSerializerOptions SkipNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static JsonObject Gvk(ResourceType t) => new() { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version };

    private static JsonObject Operation(ResourceType t, string action, string schemaName)
    {
        var parameters = new JsonArray();
        if (action is "post" or "put" or "patch")
        {
            parameters.Add(Query("dryRun"));
            parameters.Add(Query("fieldManager"));
            parameters.Add(Query("fieldValidation"));
            if (action == "patch")
                parameters.Add(new JsonObject { ["name"] = "force", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "boolean", ["uniqueItems"] = true } });
        }
        var reference = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaName}" };
        var op = new JsonObject
        {
            ["operationId"] = action + t.Kind,
            ["parameters"] = parameters,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = reference.DeepClone() } },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = Gvk(t),
        };
        if (action == "patch")
        {
            var content = new JsonObject
            {
                ["application/apply-patch+yaml"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                ["application/json-patch+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                ["application/merge-patch+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
            };
            op["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        }
        else if (action is "post" or "put")
        {
            op["requestBody"] = new JsonObject
            {
                ["content"] = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = reference.DeepClone() } },
                ["required"] = true,
            };
        }
        return op;
    }

    private static JsonObject Query(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };
}
