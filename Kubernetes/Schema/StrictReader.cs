using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Schema;

/// <summary>
/// Reads an API object the way <c>fieldValidation=Strict</c> does: the JSON is first checked against
/// the kind's structural schema (and object metadata against ObjectMeta's), so every unknown or
/// mistyped field is reported with its path, and only a value that passes is deserialized.
/// System.Text.Json alone cannot do this: it ignores unmapped members wherever extension data is
/// declared and names neither the path of an unknown member nor that of a missing required one.
/// </summary>
public static class StrictReader
{
    private static readonly Lazy<JsonSchemaProps> MetadataSchema = new(() => StructuralSchemaGenerator.ForType(typeof(ObjectMeta)));

    /// <summary>Checks without deserializing: every violation of the object and its metadata.</summary>
    public static IReadOnlyList<SchemaError> Check(JsonNode? value, JsonSchemaProps schema)
    {
        var errors = new List<SchemaError>(StructuralSchemaValidator.Validate(value, schema));
        if (value is JsonObject obj && obj["metadata"] is { } metadata)
            errors.AddRange(StructuralSchemaValidator.Validate(metadata, MetadataSchema.Value, "metadata"));
        return errors;
    }

    /// <summary>Validates, then deserializes; throws <see cref="StrictReadException"/> listing every violation.</summary>
    public static T Read<T>(JsonNode? value, JsonSchemaProps schema, JsonTypeInfo<T> typeInfo, string description) =>
        (T)Read(value, schema, (JsonTypeInfo)typeInfo, description);

    /// <inheritdoc cref="Read{T}"/>
    public static object Read(JsonNode? value, JsonSchemaProps schema, JsonTypeInfo typeInfo, string description)
    {
        var errors = Check(value, schema);
        if (errors.Count > 0)
            throw new StrictReadException(description, errors);
        try
        {
            return JsonSerializer.Deserialize(value, typeInfo)
                ?? throw new StrictReadException(description, [new SchemaError("", SchemaErrorKind.Required, "Required value: the object is null")]);
        }
        catch (JsonException e)
        {
            // The schema and the C# type disagree (a generator bug, not user error): still name the path.
            var path = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            throw new StrictReadException(description, [new SchemaError(path, SchemaErrorKind.Type, $"Invalid value: {e.Message}")]);
        }
    }
}

/// <summary>A manifest that does not fit its kind's schema; <see cref="Errors"/> names every field.</summary>
public sealed class StrictReadException : Exception
{
    public StrictReadException(string description, IReadOnlyList<SchemaError> errors)
        : base($"{description} is invalid: {string.Join("; ", errors)}")
    {
        Errors = errors;
    }

    public StrictReadException()
    {
        Errors = [];
    }

    public StrictReadException(string message) : base(message)
    {
        Errors = [];
    }

    public StrictReadException(string message, Exception innerException) : base(message, innerException)
    {
        Errors = [];
    }

    public IReadOnlyList<SchemaError> Errors { get; }
}
