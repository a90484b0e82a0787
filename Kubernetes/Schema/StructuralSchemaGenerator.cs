using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Schema;

/// <summary>
/// Builds structural OpenAPI v3 schemas and CustomResourceDefinitions from C# types, the way
/// controller-gen builds them from Go types: the C# type is the single source of truth, and
/// the marker attributes of <see cref="PatternAttribute"/> and friends carry what the type system
/// cannot say. Output is deterministic (properties sorted, rules in declaration order) so the
/// generated YAML can be committed and compared in a test.
/// </summary>
public static class StructuralSchemaGenerator
{
    /// <summary>The schema of an object type, e.g. a spec, or <see cref="ObjectMeta"/> for strict metadata checks.</summary>
    public static JsonSchemaProps ForType(Type type) => new Builder().SchemaFor(type, member: null);

    /// <summary>The CustomResourceDefinition of a root kind type carrying <see cref="CustomResourceAttribute"/>.</summary>
    public static CustomResourceDefinition CustomResourceDefinition(Type kindType)
    {
        var resource = kindType.GetCustomAttribute<CustomResourceAttribute>()
            ?? throw new ArgumentException($"{kindType.Name} has no [CustomResource] attribute", nameof(kindType));

        var schema = new Builder().SchemaFor(kindType, member: null);
        // Object metadata is validated by the API server itself, not by the CRD schema, so the
        // schema says only that it is an object (as controller-gen writes it).
        if (schema.Properties is not null && schema.Properties.ContainsKey("metadata"))
            schema.Properties["metadata"] = new JsonSchemaProps { Type = "object" };
        schema.Required?.RemoveAll(r => r is "apiVersion" or "kind" or "metadata");
        if (schema.Required is { Count: 0 })
            schema.Required = null;

        var columns = kindType.GetCustomAttributes<PrinterColumnAttribute>()
            .Select(c => new CustomResourceColumnDefinition
            {
                Name = c.Name,
                Type = c.Type,
                JsonPath = c.JsonPath,
                Priority = c.Priority == 0 ? null : c.Priority,
                Description = c.Description,
                Format = c.Format,
            })
            .ToList();

        CustomResourceSubresources? subresources = null;
        if (resource.StatusSubresource || resource.ScaleSpecReplicasPath is not null)
        {
            subresources = new CustomResourceSubresources
            {
                Status = resource.StatusSubresource ? new JsonObject() : null,
                Scale = resource.ScaleSpecReplicasPath is null ? null : new CustomResourceSubresourceScale
                {
                    SpecReplicasPath = resource.ScaleSpecReplicasPath,
                    StatusReplicasPath = resource.ScaleStatusReplicasPath
                        ?? throw new ArgumentException($"{kindType.Name}: scale subresource needs a status replicas path", nameof(kindType)),
                    LabelSelectorPath = resource.ScaleLabelSelectorPath,
                },
            };
        }

        return new CustomResourceDefinition
        {
            Metadata = new ObjectMeta { Name = $"{resource.Plural}.{resource.Group}" },
            Spec = new CustomResourceDefinitionSpec
            {
                Group = resource.Group,
                Names = new CustomResourceDefinitionNames
                {
                    Kind = resource.Kind,
                    ListKind = resource.Kind + "List",
                    Plural = resource.Plural,
                    ShortNames = resource.ShortNames.Length == 0 ? null : [.. resource.ShortNames],
                    Singular = resource.Kind.ToLowerInvariant(),
                },
                Scope = resource.Namespaced ? "Namespaced" : "Cluster",
                Versions =
                [
                    new CustomResourceDefinitionVersion
                    {
                        AdditionalPrinterColumns = columns.Count == 0 ? null : columns,
                        Name = resource.Version,
                        Schema = new CustomResourceValidation { OpenApiV3Schema = schema },
                        Served = true,
                        Storage = true,
                        Subresources = subresources,
                    },
                ],
            },
        };
    }

    private sealed class Builder
    {
        private readonly NullabilityInfoContext _nullability = new();
        private readonly Stack<Type> _inProgress = new();

        public JsonSchemaProps SchemaFor(Type type, PropertyInfo? member)
        {
            var underlying = Nullable.GetUnderlyingType(type) ?? type;

            if (typeof(IOpenApiSchemaProvider).IsAssignableFrom(underlying))
            {
                var method = underlying.GetMethod(nameof(IOpenApiSchemaProvider.OpenApiSchema), BindingFlags.Public | BindingFlags.Static)
                    ?? throw new InvalidOperationException($"{underlying.Name} implements IOpenApiSchemaProvider without a public static OpenApiSchema()");
                return (JsonSchemaProps)method.Invoke(null, null)!;
            }

            if (underlying == typeof(string))
                return new JsonSchemaProps { Type = "string" };
            if (underlying == typeof(bool))
                return new JsonSchemaProps { Type = "boolean" };
            if (underlying == typeof(int) || underlying == typeof(short))
                return new JsonSchemaProps { Type = "integer", Format = "int32" };
            if (underlying == typeof(long))
                return new JsonSchemaProps { Type = "integer", Format = "int64" };
            if (underlying == typeof(double) || underlying == typeof(float) || underlying == typeof(decimal))
                return new JsonSchemaProps { Type = "number" };
            if (underlying == typeof(DateTimeOffset) || underlying == typeof(DateTime))
                return new JsonSchemaProps { Type = "string", Format = "date-time" };
            if (underlying.IsEnum)
                return EnumSchema(underlying);
            if (underlying == typeof(JsonObject))
                return new JsonSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
            if (underlying == typeof(JsonNode) || underlying == typeof(JsonElement))
                return new JsonSchemaProps { XKubernetesPreserveUnknownFields = true };
            if (ObjectMetaLike(underlying))
                return new JsonSchemaProps { Type = "object" };

            if (DictionaryValueType(underlying) is { } valueType)
                return new JsonSchemaProps { Type = "object", AdditionalProperties = SchemaFor(valueType, member: null) };
            if (EnumerableItemType(underlying) is { } itemType)
                return new JsonSchemaProps { Type = "array", Items = SchemaFor(itemType, member: null) };

            if (underlying.IsClass || underlying.IsValueType)
                return ObjectSchema(underlying);

            throw new NotSupportedException($"no schema mapping for {underlying.FullName}" + (member is null ? "" : $" ({member.DeclaringType?.Name}.{member.Name})"));
        }

        // ObjectMeta inside a root kind is described by the caller; when generating ObjectMeta's own
        // schema (strict metadata checks) it is generated like any other class.
        private bool ObjectMetaLike(Type type) => type == typeof(ObjectMeta) && _inProgress.Count > 0;

        private JsonSchemaProps ObjectSchema(Type type)
        {
            if (_inProgress.Contains(type))
                throw new NotSupportedException($"recursive type {type.Name}: structural schemas cannot describe recursion");
            _inProgress.Push(type);
            try
            {
                var schema = new JsonSchemaProps { Type = "object", Properties = new SortedDictionary<string, JsonSchemaProps>(StringComparer.Ordinal) };
                var required = new List<string>();
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (property.GetMethod is null || property.GetIndexParameters().Length > 0)
                        continue;
                    if (property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always }
                        || property.GetCustomAttribute<JsonExtensionDataAttribute>() is not null)
                        continue;

                    var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
                    var propertySchema = SchemaFor(property.PropertyType, property);
                    ApplyMemberAttributes(propertySchema, property);
                    schema.Properties[name] = propertySchema;

                    if (IsRequired(property))
                        required.Add(name);
                }

                if (required.Count > 0)
                    schema.Required = required;
                if (schema.Properties.Count == 0)
                    schema.Properties = null;

                AddRules(schema, type.GetCustomAttributes<XValidationAttribute>());
                if (type.GetCustomAttribute<MapTypeAttribute>() is { } mapType)
                    schema.XKubernetesMapType = mapType.MapType;
                if (type.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
                    schema.XKubernetesPreserveUnknownFields = true;
                return schema;
            }
            finally
            {
                _inProgress.Pop();
            }
        }

        private bool IsRequired(PropertyInfo property)
        {
            if (property.GetCustomAttribute<RequiredMemberAttribute>() is not null || property.GetCustomAttribute<JsonRequiredAttribute>() is not null)
                return true;
            // A non-nullable reference or value property that is not `required` is a modelling slip:
            // it would be written even when unset. Refuse it so the types stay honest.
            var nullable = _nullability.Create(property).ReadState == NullabilityState.Nullable;
            if (!nullable && property.PropertyType != typeof(string) && property.PropertyType.IsValueType)
                throw new NotSupportedException($"{property.DeclaringType?.Name}.{property.Name}: optional value-type members must be nullable");
            return false;
        }

        private static void ApplyMemberAttributes(JsonSchemaProps schema, PropertyInfo property)
        {
            foreach (var attribute in property.GetCustomAttributes())
            {
                switch (attribute)
                {
                    case StringSchemaAttribute named:
                        var leaf = StringLeaf(schema, property);
                        leaf.MinLength = named.MinLength ?? leaf.MinLength;
                        leaf.MaxLength = named.MaxLength ?? leaf.MaxLength;
                        leaf.Pattern = named.Pattern ?? leaf.Pattern;
                        break;
                    case PatternAttribute pattern:
                        schema.Pattern = pattern.Pattern;
                        break;
                    case MinLengthAttribute minLength:
                        schema.MinLength = minLength.Value;
                        break;
                    case MaxLengthAttribute maxLength:
                        schema.MaxLength = maxLength.Value;
                        break;
                    case MinimumAttribute minimum:
                        schema.Minimum = minimum.Value;
                        break;
                    case MaximumAttribute maximum:
                        schema.Maximum = maximum.Value;
                        break;
                    case MinItemsAttribute minItems:
                        schema.MinItems = minItems.Value;
                        break;
                    case MaxItemsAttribute maxItems:
                        schema.MaxItems = maxItems.Value;
                        break;
                    case MaxPropertiesAttribute maxProperties:
                        schema.MaxProperties = maxProperties.Value;
                        break;
                    case FormatAttribute format:
                        schema.Format = format.Format;
                        break;
                    case SchemaDefaultAttribute defaultValue:
                        schema.Default = JsonNode.Parse(defaultValue.Json);
                        break;
                    case ListTypeAttribute listType:
                        schema.XKubernetesListType = listType.ListType;
                        schema.XKubernetesListMapKeys = listType.MapKeys.Count == 0 ? null : [.. listType.MapKeys];
                        break;
                    case MapTypeAttribute mapType:
                        schema.XKubernetesMapType = mapType.MapType;
                        break;
                    case PreserveUnknownFieldsAttribute:
                        schema.XKubernetesPreserveUnknownFields = true;
                        break;
                }
            }

            AddRules(schema, property.GetCustomAttributes<XValidationAttribute>());

            if (schema.XKubernetesListType == "map")
            {
                // A map-list key must be required in the item schema, or the API server refuses the CRD.
                foreach (var key in schema.XKubernetesListMapKeys ?? [])
                {
                    if (schema.Items?.Required?.Contains(key) != true)
                        throw new NotSupportedException($"{property.DeclaringType?.Name}.{property.Name}: list map key '{key}' must be a required member of the item type");
                }
            }
        }

        private static JsonSchemaProps StringLeaf(JsonSchemaProps schema, PropertyInfo property)
        {
            var leaf = schema;
            while (leaf.Type != "string")
            {
                leaf = leaf.Items ?? leaf.AdditionalProperties
                    ?? throw new NotSupportedException($"{property.DeclaringType?.Name}.{property.Name}: a named string type needs a string, list of strings or map of strings");
            }
            return leaf;
        }

        private static void AddRules(JsonSchemaProps schema, IEnumerable<XValidationAttribute> rules)
        {
            foreach (var rule in rules)
            {
                schema.XKubernetesValidations ??= [];
                schema.XKubernetesValidations.Add(new ValidationRule { Rule = rule.Rule, Message = rule.Message });
            }
        }

        private static JsonSchemaProps EnumSchema(Type enumType) => new()
        {
            Type = "string",
            Enum = enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (JsonNode?)JsonValue.Create(f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name))
                .ToList(),
        };

        private static Type? DictionaryValueType(Type type)
        {
            foreach (var candidate in type.GetInterfaces().Append(type))
            {
                if (candidate.IsGenericType
                    && (candidate.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) || candidate.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
                {
                    var args = candidate.GetGenericArguments();
                    if (args[0] != typeof(string))
                        throw new NotSupportedException($"map keys must be strings ({type.Name})");
                    return args[1];
                }
            }
            return null;
        }

        private static Type? EnumerableItemType(Type type)
        {
            if (type == typeof(string))
                return null;
            if (type.IsArray)
                return type.GetElementType();
            foreach (var candidate in type.GetInterfaces().Append(type))
            {
                if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                    return candidate.GetGenericArguments()[0];
            }
            return null;
        }
    }
}
