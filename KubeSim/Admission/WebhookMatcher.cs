using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Selectors;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Admission;

/// <summary>
/// Whether a webhook applies to a request, by the same rules as the API server: rules (operations,
/// groups, versions, resources with `*`, `*/*` and `x/*` subresource forms, scope), then the
/// namespace selector (against the namespace's labels) and the object selector (against the new
/// or old object's labels). `matchConditions` (CEL) are not evaluated.
/// </summary>
public static class WebhookMatcher
{
    public static bool Matches(JsonObject webhook, ResourceType type, string operation, string subresource, JsonObject? namespaceObject, JsonObject? obj, JsonObject? oldObj)
    {
        var rules = webhook["rules"] as JsonArray ?? [];
        if (!rules.OfType<JsonObject>().Any(r => RuleMatches(r, type, operation, subresource)))
            return false;
        if (webhook["namespaceSelector"] is JsonObject nsSelector && type.Namespaced)
        {
            if (!SelectorMatches(nsSelector, namespaceObject))
                return false;
        }
        else if (webhook["namespaceSelector"] is JsonObject selfSelector && type.Group.Length == 0 && type.Plural == "namespaces")
        {
            if (!SelectorMatches(selfSelector, obj ?? oldObj))
                return false;
        }
        if (webhook["objectSelector"] is JsonObject objectSelector)
        {
            if (!SelectorMatches(objectSelector, obj) && !SelectorMatches(objectSelector, oldObj))
                return false;
        }
        return true;
    }

    private static bool RuleMatches(JsonObject rule, ResourceType type, string operation, string subresource)
    {
        static bool Contains(JsonNode? list, string value) =>
            (list as JsonArray ?? []).Any(v => v?.GetValue<string>() is { } s && (s == "*" || s == value));

        if (!Contains(rule["operations"], operation) || !Contains(rule["apiGroups"], type.Group) || !Contains(rule["apiVersions"], type.Version))
            return false;
        var scope = rule["scope"]?.GetValue<string>() ?? "*";
        if (scope == "Cluster" && type.Namespaced || scope == "Namespaced" && !type.Namespaced)
            return false;
        var wanted = subresource.Length == 0 ? type.Plural : $"{type.Plural}/{subresource}";
        foreach (var r in (rule["resources"] as JsonArray ?? []).Select(v => v?.GetValue<string>() ?? ""))
        {
            if (r == wanted || r == "*/*")
                return true;
            if (r == "*" && subresource.Length == 0)
                return true;
            if (r.EndsWith("/*", StringComparison.Ordinal) && subresource.Length > 0 && r[..^2] == type.Plural)
                return true;
            if (r.StartsWith("*/", StringComparison.Ordinal) && subresource.Length > 0 && r[2..] == subresource)
                return true;
        }
        return false;
    }

    /// <summary>A metav1.LabelSelector (matchLabels and matchExpressions) against an object's labels.</summary>
    public static bool SelectorMatches(JsonObject selector, JsonObject? obj)
    {
        if (obj is null)
            return false;
        var parts = new List<string>();
        foreach (var (k, v) in selector["matchLabels"] as JsonObject ?? [])
            parts.Add($"{k}={v}");
        foreach (var e in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = e["key"]!.GetValue<string>();
            var values = string.Join(",", (e["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>()));
            parts.Add(e["operator"]?.GetValue<string>() switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key,
                "DoesNotExist" => "!" + key,
                var op => throw new InvalidOperationException($"unknown selector operator {op}"),
            });
        }
        return LabelSelector.Parse(string.Join(",", parts)).Matches(obj);
    }
}
