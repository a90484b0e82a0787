namespace MultigresOrleans.Kubernetes.Schema;

// Markers on a root kind type that become the CustomResourceDefinition around its schema
// (names, scope, subresources, printer columns), like kubebuilder's `+kubebuilder:resource`,
// `+kubebuilder:subresource:*` and `+kubebuilder:printcolumn` markers.

/// <summary>Declares a C# type as the root of a custom resource kind.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CustomResourceAttribute(string group, string version, string kind, string plural) : Attribute
{
    public string Group { get; } = group;
    public string Version { get; } = version;
    public string Kind { get; } = kind;
    public string Plural { get; } = plural;
    public string[] ShortNames { get; init; } = [];
    public bool Namespaced { get; init; } = true;

    /// <summary>Whether the kind is served with a `status` subresource.</summary>
    public bool StatusSubresource { get; init; }

    /// <summary>`scale` subresource spec path (e.g. `.spec.replicas`); null when there is none.</summary>
    public string? ScaleSpecReplicasPath { get; init; }

    /// <summary>`scale` subresource status path (e.g. `.status.readyReplicas`).</summary>
    public string? ScaleStatusReplicasPath { get; init; }

    public string? ScaleLabelSelectorPath { get; init; }
}

/// <summary>An `additionalPrinterColumns` entry; emitted in declaration order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public int Priority { get; init; }
    public string? Description { get; init; }
    public string? Format { get; init; }
}

/// <summary>Implemented by value types that describe their own schema (Quantity, IntOrString, Time).</summary>
public interface IOpenApiSchemaProvider
{
    static abstract Models.JsonSchemaProps OpenApiSchema();
}
