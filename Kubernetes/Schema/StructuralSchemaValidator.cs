using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Schema;

/// <summary>
/// Validates a JSON value against a structural OpenAPI v3 schema the way the API server validates a
/// custom resource: types, required fields, enums, bounds, lengths, patterns, formats, list types
/// (set and map uniqueness) and unknown fields. It reports every violation, not just the first.
/// CEL rules (<c>x-kubernetes-validations</c>) are not evaluated here: there is no CEL engine in
/// this build environment, so callers that need them implement each rule in code.
/// </summary>
public static class StructuralSchemaValidator
{
    /// <summary>
    /// Validates <paramref name="value"/>. At the root of a custom resource (<paramref name="rootPath"/>
    /// empty) `apiVersion`, `kind` and `metadata` are accepted whatever the schema says, because the
    /// API server checks object metadata with its own rules, not with the CRD schema.
    /// </summary>
    public static IReadOnlyList<SchemaError> Validate(JsonNode? value, JsonSchemaProps schema, string rootPath = "")
    {
        var errors = new List<SchemaError>();
        Check(value, schema, rootPath, errors, isRoot: rootPath.Length == 0);
        return errors;
    }

    private static void Check(JsonNode? value, JsonSchemaProps schema, string path, List<SchemaError> errors, bool isRoot = false)
    {
        if (value is null)
        {
            // The API server drops nulls of non-nullable fields before validating; they are "absent".
            return;
        }

        if (!CheckType(value, schema, path, errors))
            return;

        switch (value)
        {
            case JsonObject obj:
                CheckObject(obj, schema, path, errors, isRoot);
                break;
            case JsonArray array:
                CheckArray(array, schema, path, errors);
                break;
            case JsonValue scalar:
                CheckScalar(scalar, schema, path, errors);
                break;
        }

        if (schema.Enum is { Count: > 0 } allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            var supported = string.Join(", ", allowed.Select(a => a?.ToJsonString() ?? "null"));
            errors.Add(new SchemaError(path, SchemaErrorKind.Enum, $"Unsupported value: {Render(value)}: supported values: {supported}"));
        }

        foreach (var sub in schema.AllOf ?? [])
            Check(value, sub, path, errors);
    }

    private static bool CheckType(JsonNode value, JsonSchemaProps schema, string path, List<SchemaError> errors)
    {
        if (schema.XKubernetesIntOrString == true)
        {
            if (value is JsonValue v && (v.GetValueKind() == JsonValueKind.String || IsInteger(v)))
                return true;
            errors.Add(TypeError(path, value, "integer or string"));
            return false;
        }

        var ok = schema.Type switch
        {
            null => true,
            "object" => value is JsonObject,
            "array" => value is JsonArray,
            "string" => value is JsonValue s && s.GetValueKind() == JsonValueKind.String,
            "boolean" => value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            "integer" => value is JsonValue i && IsInteger(i),
            "number" => value is JsonValue n && n.GetValueKind() == JsonValueKind.Number,
            _ => true,
        };
        if (!ok)
            errors.Add(TypeError(path, value, schema.Type!));
        return ok;
    }

    private static SchemaError TypeError(string path, JsonNode value, string expected) =>
        new(path, SchemaErrorKind.Type,
            $"Invalid value: \"{KindName(value)}\": {Display(path)} in body must be of type {expected}: \"{KindName(value)}\"");

    private static void CheckObject(JsonObject obj, JsonSchemaProps schema, string path, List<SchemaError> errors, bool isRoot)
    {
        foreach (var required in schema.Required ?? [])
        {
            if (!obj.TryGetPropertyValue(required, out var present) || present is null)
                errors.Add(new SchemaError(Join(path, required), SchemaErrorKind.Required, "Required value"));
        }

        if (schema.MaxProperties is { } maxProps && obj.Count > maxProps)
            errors.Add(new SchemaError(path, SchemaErrorKind.TooMany, $"Too many: {obj.Count}: must have at most {maxProps} items"));
        if (schema.MinProperties is { } minProps && obj.Count < minProps)
            errors.Add(new SchemaError(path, SchemaErrorKind.TooFew,
                $"Invalid value: {obj.Count}: {Display(path)} in body should have at least {minProps} properties"));

        foreach (var (name, child) in obj)
        {
            var childPath = Join(path, name);
            if (isRoot && name is "apiVersion" or "kind" or "metadata")
                continue;
            if (schema.Properties is not null && schema.Properties.TryGetValue(name, out var propertySchema))
                Check(child, propertySchema, childPath, errors);
            else if (schema.AdditionalProperties is { } additional)
                Check(child, additional, childPath, errors);
            else if (schema.XKubernetesPreserveUnknownFields != true)
                errors.Add(new SchemaError(childPath, SchemaErrorKind.UnknownField, $"unknown field \"{childPath}\""));
        }
    }

    private static void CheckArray(JsonArray array, JsonSchemaProps schema, string path, List<SchemaError> errors)
    {
        if (schema.MaxItems is { } max && array.Count > max)
            errors.Add(new SchemaError(path, SchemaErrorKind.TooMany, $"Too many: {array.Count}: must have at most {max} items"));
        if (schema.MinItems is { } min && array.Count < min)
            errors.Add(new SchemaError(path, SchemaErrorKind.TooFew,
                $"Invalid value: {array.Count}: {Display(path)} in body should have at least {min} items"));

        for (var i = 0; i < array.Count; i++)
        {
            if (schema.Items is { } items)
                Check(array[i], items, $"{path}[{i}]", errors);
        }

        switch (schema.XKubernetesListType)
        {
            case "set":
                for (var i = 0; i < array.Count; i++)
                {
                    for (var j = 0; j < i; j++)
                    {
                        if (JsonNode.DeepEquals(array[i], array[j]))
                        {
                            errors.Add(new SchemaError($"{path}[{i}]", SchemaErrorKind.Duplicate, $"Duplicate value: {Render(array[i])}"));
                            break;
                        }
                    }
                }
                break;
            case "map" when schema.XKubernetesListMapKeys is { Count: > 0 } keys:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is not JsonObject item)
                        continue;
                    var key = new JsonObject();
                    foreach (var k in keys)
                        key[k] = item[k]?.DeepClone();
                    if (!seen.Add(key.ToJsonString()))
                        errors.Add(new SchemaError($"{path}[{i}]", SchemaErrorKind.Duplicate, $"Duplicate value: {key.ToJsonString()}"));
                }
                break;
        }
    }

    private static void CheckScalar(JsonValue scalar, JsonSchemaProps schema, string path, List<SchemaError> errors)
    {
        if (scalar.GetValueKind() == JsonValueKind.String)
        {
            var text = scalar.GetValue<string>();
            var length = CountRunes(text);
            if (schema.MaxLength is { } maxLength && length > maxLength)
                errors.Add(new SchemaError(path, SchemaErrorKind.TooLong, $"Too long: may not be more than {maxLength} bytes"));
            if (schema.MinLength is { } minLength && length < minLength)
                errors.Add(new SchemaError(path, SchemaErrorKind.TooShort,
                    $"Invalid value: {Render(scalar)}: {Display(path)} in body should be at least {minLength} chars long"));
            if (schema.Pattern is { } pattern && !PatternCache.Get(pattern).IsMatch(text))
                errors.Add(new SchemaError(path, SchemaErrorKind.Pattern,
                    $"Invalid value: {Render(scalar)}: {Display(path)} in body should match '{pattern}'"));
            if (schema.Format == "date-time" && !IsDateTime(text))
                errors.Add(new SchemaError(path, SchemaErrorKind.Format,
                    $"Invalid value: {Render(scalar)}: {Display(path)} in body must be of type date-time: {Render(scalar)}"));
        }
        else if (scalar.GetValueKind() == JsonValueKind.Number)
        {
            var number = NumberOf(scalar);
            if (schema.Minimum is { } minimum && number < minimum)
                errors.Add(new SchemaError(path, SchemaErrorKind.OutOfRange,
                    $"Invalid value: {Render(scalar)}: {Display(path)} in body should be greater than or equal to {Format(minimum)}"));
            if (schema.Maximum is { } maximum && number > maximum)
                errors.Add(new SchemaError(path, SchemaErrorKind.OutOfRange,
                    $"Invalid value: {Render(scalar)}: {Display(path)} in body should be less than or equal to {Format(maximum)}"));
            if (schema.Format == "int32" && IsInteger(scalar) && (number < int.MinValue || number > int.MaxValue))
                errors.Add(new SchemaError(path, SchemaErrorKind.OutOfRange,
                    $"Invalid value: {Render(scalar)}: {Display(path)} in body must be of type int32: {Render(scalar)}"));
        }
    }

    private static bool IsInteger(JsonValue value) =>
        value.GetValueKind() == JsonValueKind.Number && NumberOf(value) is var d && Math.Floor(d) == d && !double.IsInfinity(d);

    /// <summary>
    /// The value of a JSON number whatever backs the node: parsed text (a JsonElement) or a CLR
    /// number put there by code, which JsonValue does not convert between integer and floating types.
    /// </summary>
    internal static double NumberOf(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
            return element.GetDouble();
        if (value.TryGetValue<long>(out var l))
            return l;
        if (value.TryGetValue<int>(out var i))
            return i;
        if (value.TryGetValue<double>(out var d))
            return d;
        if (value.TryGetValue<decimal>(out var m))
            return (double)m;
        if (value.TryGetValue<float>(out var f))
            return f;
        return double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
    }

    private static bool IsDateTime(string text) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
            CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static int CountRunes(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
            count++;
        return count;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    // The API server names the root "body" when there is no path.
    private static string Display(string path) => path.Length == 0 ? "body" : path;

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string KindName(JsonNode value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => IsInteger(v) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "null",
    };

    private static string Render(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonSerializer.Serialize(v.GetValue<string>(), RenderOptions),
        _ => value.ToJsonString(),
    };

    private static readonly JsonSerializerOptions RenderOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Compiled patterns, shared: schemas repeat the same few patterns thousands of times.</summary>
    private static class PatternCache
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

        // ECMA-262 patterns as OpenAPI uses them; .NET's engine agrees on the subset CRDs use.
        // A timeout bounds the cost of a pathological pattern posted in a CRD.
        public static Regex Get(string pattern) =>
            Cache.GetOrAdd(pattern, p => new Regex(AnchorAtEnd(p), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200)));

        /// <summary>
        /// In .NET `$` also matches before a trailing newline; in the API server's (Go RE2) engine it
        /// matches only at the end of the text. Rewriting `$` outside character classes to `\z`
        /// keeps "abc\n" from passing `^[a-z]+$`.
        /// </summary>
        internal static string AnchorAtEnd(string pattern)
        {
            var result = new StringBuilder(pattern.Length + 4);
            var inClass = false;
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (c == '\\' && i + 1 < pattern.Length)
                {
                    result.Append(c).Append(pattern[++i]);
                    continue;
                }
                if (c == '[') inClass = true;
                else if (c == ']') inClass = false;
                result.Append(c == '$' && !inClass ? "\\z" : c.ToString());
            }
            return result.ToString();
        }
    }
}
