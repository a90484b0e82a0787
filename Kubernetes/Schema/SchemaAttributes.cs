namespace MultigresOrleans.Kubernetes.Schema;

// Markers read by StructuralSchemaGenerator. They mirror kubebuilder's `+kubebuilder:validation:*`
// markers so that a reader who knows controller-gen recognises them, and so that one C# type is
// the single source of truth for the CRD schema, the strict reader and the API server emulator.
// A constraint attribute applies to the schema of the member it decorates (for a list: the list,
// for a map: the map), except StringSchemaAttribute subclasses, which describe a named string
// type (like Go's `type CellName string`) and so apply to the string leaf wherever it sits.

/// <summary>`pattern` on a string member.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class PatternAttribute(string pattern) : Attribute
{
    public string Pattern { get; } = pattern;
}

/// <summary>`minLength` on a string member.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinLengthAttribute(int value) : Attribute
{
    public int Value { get; } = value;
}

/// <summary>`maxLength` on a string member.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxLengthAttribute(int value) : Attribute
{
    public int Value { get; } = value;
}

/// <summary>`minimum` on an integer or number member.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>`maximum` on an integer or number member.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>`minItems` on a list member.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinItemsAttribute(int value) : Attribute
{
    public int Value { get; } = value;
}

/// <summary>`maxItems` on a list member.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(int value) : Attribute
{
    public int Value { get; } = value;
}

/// <summary>`maxProperties` on a map member.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxPropertiesAttribute(int value) : Attribute
{
    public int Value { get; } = value;
}

/// <summary>`format` (e.g. `date-time`, `int64`) on a member whose C# type does not imply it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    public string Format { get; } = format;
}

/// <summary>
/// A structural-schema `default`, as JSON text (<c>"\"Retain\""</c>, <c>"{\"a\":1}"</c>).
/// The API server applies it on read and write; KubeSim does the same.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SchemaDefaultAttribute(string json) : Attribute
{
    public string Json { get; } = json;
}

/// <summary>
/// An `x-kubernetes-validations` CEL rule with its message. On a class it applies wherever the
/// type is used; on a property it applies to that property's schema. Rules are emitted in
/// declaration order, class rules first.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class, AllowMultiple = true)]
public sealed class XValidationAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;
}

/// <summary>`x-kubernetes-list-type` (`atomic`, `set` or `map`) with the map keys for `map`.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListTypeAttribute(string listType, params string[] mapKeys) : Attribute
{
    public string ListType { get; } = listType;
    public IReadOnlyList<string> MapKeys { get; } = mapKeys;
}

/// <summary>`x-kubernetes-map-type` (`atomic` or `granular`) on an object or map member.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
public sealed class MapTypeAttribute(string mapType) : Attribute
{
    public string MapType { get; } = mapType;
}

/// <summary>`x-kubernetes-preserve-unknown-fields: true`: the member's content is not pruned.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>
/// A named string type with its own bounds and pattern. Subclass it once per type
/// (<c>CellNameAttribute</c>, …) and put it on every member of that type; on a list or map it
/// applies to the items or values, as a Go named type would.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public abstract class StringSchemaAttribute(int minLength = 0, int maxLength = 0, string? pattern = null) : Attribute
{
    public int? MinLength { get; } = minLength > 0 ? minLength : null;
    public int? MaxLength { get; } = maxLength > 0 ? maxLength : null;
    public string? Pattern { get; } = pattern;
}
