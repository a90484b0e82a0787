using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Schema;

/// <summary>A compiled stand-in for one CEL rule: true when the value is valid.</summary>
/// <param name="self">The value at the schema node that carries the rule.</param>
/// <param name="oldSelf">The correlated old value (transition rules only; never null when called for one).</param>
public delegate bool RulePredicate(JsonNode self, JsonNode? oldSelf);

/// <summary>
/// Evaluates a schema's <c>x-kubernetes-validations</c> the way the API server does, with each CEL
/// rule supplied as C# (there is no CEL engine in this build environment). The walker owns the
/// API server's semantics — which node a rule sees as <c>self</c>, when a transition rule runs
/// (only when the old object has a correlatable value at the same place: same property, same map
/// key, same list-map key), the error path and the message shape — so a rule catalog only has to
/// say what each rule means.
/// </summary>
public static class ValidationRuleWalker
{
    /// <summary>Every rule violated by <paramref name="value"/> (and, for transition rules, its change from <paramref name="old"/>).</summary>
    /// <exception cref="KeyNotFoundException">A rule in the schema has no implementation in <paramref name="rules"/>.</exception>
    public static IReadOnlyList<SchemaError> Validate(JsonNode? value, JsonNode? old, JsonSchemaProps schema, IReadOnlyDictionary<string, RulePredicate> rules)
    {
        var errors = new List<SchemaError>();
        Walk(value, old, schema, "", rules, errors);
        return errors;
    }

    /// <summary>Every distinct rule text in a schema; a catalog test uses it to prove nothing is missing.</summary>
    public static IReadOnlySet<string> RulesIn(JsonSchemaProps schema)
    {
        var rules = new SortedSet<string>(StringComparer.Ordinal);
        Collect(schema, rules);
        return rules;
    }

    /// <summary>Transition rules mention <c>oldSelf</c>; the API server runs them only on UPDATE with a correlated old value.</summary>
    public static bool IsTransitionRule(string rule) => rule.Contains("oldSelf", StringComparison.Ordinal);

    private static void Walk(JsonNode? value, JsonNode? old, JsonSchemaProps schema, string path, IReadOnlyDictionary<string, RulePredicate> rules, List<SchemaError> errors)
    {
        if (value is null)
            return;

        foreach (var rule in schema.XKubernetesValidations ?? [])
        {
            var transition = IsTransitionRule(rule.Rule);
            if (transition && old is null)
                continue;
            if (!rules.TryGetValue(rule.Rule, out var predicate))
                throw new KeyNotFoundException($"no implementation for the validation rule at {Display(path)}: {rule.Rule}");

            bool valid;
            try
            {
                valid = predicate(value, old);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or KeyNotFoundException)
            {
                // A CEL evaluation error fails the rule, as it does on the API server.
                valid = false;
            }
            if (!valid)
                errors.Add(new SchemaError(Display(path), SchemaErrorKind.Type, $"Invalid value: \"{TypeName(value)}\": {rule.Message ?? $"failed rule: {rule.Rule}"}"));
        }

        switch (value)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var childSchema = schema.Properties is not null && schema.Properties.TryGetValue(name, out var p) ? p : schema.AdditionalProperties;
                    if (childSchema is not null)
                        Walk(child, (old as JsonObject)?[name], childSchema, Join(path, name), rules, errors);
                }
                break;
            case JsonArray array when schema.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                    Walk(array[i], CorrelatedItem(array[i], old as JsonArray, schema), items, $"{path}[{i}]", rules, errors);
                break;
        }
    }

    // Only map-lists let the API server pair an item with its old self (by its keys); items of
    // atomic lists and sets have no old value, so transition rules below them do not run.
    private static JsonNode? CorrelatedItem(JsonNode? item, JsonArray? oldArray, JsonSchemaProps schema)
    {
        if (oldArray is null || schema.XKubernetesListType != "map" || schema.XKubernetesListMapKeys is not { Count: > 0 } keys || item is not JsonObject current)
            return null;
        return oldArray.FirstOrDefault(o => o is JsonObject candidate && keys.All(k => JsonNode.DeepEquals(candidate[k], current[k])));
    }

    private static void Collect(JsonSchemaProps schema, SortedSet<string> rules)
    {
        foreach (var rule in schema.XKubernetesValidations ?? [])
            rules.Add(rule.Rule);
        foreach (var child in schema.Properties?.Values ?? Enumerable.Empty<JsonSchemaProps>())
            Collect(child, rules);
        if (schema.Items is not null)
            Collect(schema.Items, rules);
        if (schema.AdditionalProperties is not null)
            Collect(schema.AdditionalProperties, rules);
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Display(string path) => path.Length == 0 ? "<root>" : path;

    private static string TypeName(JsonNode value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "integer",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "null",
    };
}
