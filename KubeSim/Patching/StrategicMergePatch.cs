using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Patching;

/// <summary>
/// Strategic merge patch for built-in types. The real server reads merge keys from Go struct
/// tags; KubeSim keys them by field name, which covers the lists controllers and kubectl patch in
/// practice (containers, ports, env, volumes, volumeMounts, conditions, ...). Lists with no known
/// key are replaced, as for atomic lists. Supported directives: <c>$patch: replace|delete|merge</c>,
/// <c>$deleteFromPrimitiveList/&lt;field&gt;</c>; <c>$setElementOrder</c> and <c>$retainKeys</c> are
/// accepted and ignored (order and retained keys follow the patch already in common cases).
/// </summary>
public static class StrategicMergePatch
{
    /// <summary>Merge key per list field name, or a function choosing it from the element's fields.</summary>
    internal static string? MergeKey(string field, JsonArray patchList, JsonArray? liveList)
    {
        switch (field)
        {
            case "containers" or "initContainers" or "ephemeralContainers" or "env" or "volumes" or "imagePullSecrets"
                or "volumeClaimTemplates" or "hostAliases" or "topologySpreadConstraints" or "resourceClaims"
                or "webhooks":
                return field switch
                {
                    "hostAliases" => "ip",
                    "topologySpreadConstraints" => "topologyKey",
                    _ => "name",
                };
            case "volumeMounts":
                return "mountPath";
            case "volumeDevices":
                return "devicePath";
            case "conditions":
                return "type";
            case "ownerReferences":
                return "uid";
            case "ports":
                var sample = patchList.OfType<JsonObject>().FirstOrDefault() ?? liveList?.OfType<JsonObject>().FirstOrDefault();
                return sample is not null && sample.ContainsKey("containerPort") ? "containerPort" : "port";
            default:
                return null;
        }
    }

    /// <summary>Primitive lists the API declares with patchStrategy=merge (union of values).</summary>
    private static bool IsMergedPrimitiveList(string field) => field is "finalizers";

    public static JsonNode? Apply(JsonNode? live, JsonNode? patch) => MergeObject(live as JsonObject, patch);

    private static JsonNode? MergeObject(JsonObject? live, JsonNode? patchNode)
    {
        if (patchNode is not JsonObject patch)
            return patchNode?.DeepClone();
        var directive = patch["$patch"]?.GetValue<string>();
        if (directive == "replace")
        {
            var replaced = (JsonObject)patch.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }
        if (directive == "delete")
            return null;

        var result = live is null ? new JsonObject() : (JsonObject)live.DeepClone();
        foreach (var (key, value) in patch)
        {
            if (key == "$patch" || key == "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal))
                continue;
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray existing && value is JsonArray remove)
                {
                    foreach (var item in existing.Where(e => remove.Any(r => JsonNode.DeepEquals(r, e))).ToList())
                        existing.Remove(item);
                }
                continue;
            }
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            var current = result[key];
            result[key] = value switch
            {
                JsonObject => MergeObject(current as JsonObject, value),
                JsonArray list => MergeList(key, current as JsonArray, list),
                _ => value.DeepClone(),
            };
        }
        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? live, JsonArray patch)
    {
        if (live is null)
            return Strip((JsonArray)patch.DeepClone());
        if (IsMergedPrimitiveList(field))
        {
            var union = (JsonArray)live.DeepClone();
            foreach (var p in patch)
            {
                if (!union.Any(u => JsonNode.DeepEquals(u, p)))
                    union.Add(p?.DeepClone());
            }
            return union;
        }
        var mergeKey = MergeKey(field, patch, live);
        if (mergeKey is null)
        {
            // An element `{"$patch": "replace"}` or any list without a merge key replaces wholesale.
            return Strip((JsonArray)patch.DeepClone());
        }

        var result = (JsonArray)live.DeepClone();
        foreach (var p in patch)
        {
            if (p is not JsonObject element)
                continue;
            if (element["$patch"]?.GetValue<string>() == "replace" && element.Count == 1)
                return Strip(new JsonArray([.. patch.Where(e => e is JsonObject o && !o.ContainsKey("$patch")).Select(e => e!.DeepClone())]));
            var key = element[mergeKey];
            var index = -1;
            for (var i = 0; i < result.Count; i++)
            {
                if (JsonNode.DeepEquals(result[i]?[mergeKey], key))
                {
                    index = i;
                    break;
                }
            }
            if (element["$patch"]?.GetValue<string>() == "delete")
            {
                if (index >= 0)
                    result.RemoveAt(index);
                continue;
            }
            if (index >= 0)
                result[index] = MergeObject(result[index] as JsonObject, element);
            else
                result.Add(MergeObject(null, element));
        }
        return result;
    }

    private static JsonArray Strip(JsonArray array)
    {
        foreach (var item in array.OfType<JsonObject>())
            item.Remove("$patch");
        return array;
    }
}
