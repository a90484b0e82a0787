using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.KubeSim.Storage;

/// <summary>Where a custom resource keeps its replica counts, for the scale subresource.</summary>
public sealed record ScalePaths(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);

/// <summary>
/// One served resource (group, version, plural) and what the API server needs to know to serve it
/// generically. Objects are stored as JSON, so this descriptor is the only per-type knowledge:
/// built-in types differ from custom resources only in the flags set here.
/// </summary>
public sealed record ResourceType
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Plural { get; init; }
    public required string Kind { get; init; }
    public required bool Namespaced { get; init; }
    public string Singular => SingularName ?? Kind.ToLowerInvariant();
    public string? SingularName { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public bool HasStatus { get; init; }
    public ScalePaths? Scale { get; init; }
    public bool IsCustom { get; init; }

    /// <summary>Whether metadata.generation is tracked (every custom resource and built-ins with a spec).</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>The structural schema of a custom resource; null for built-ins (not validated).</summary>
    public JsonSchemaProps? Schema { get; init; }
    public IReadOnlyList<CustomResourceColumnDefinition> PrinterColumns { get; init; } = [];

    /// <summary>The version objects are stored in; other served versions share the same storage.</summary>
    public bool StorageVersion { get; init; } = true;

    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Storage is keyed by group and plural so that all versions of a resource share objects.</summary>
    public string StorageKey => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The "resource" as error messages name it: `configmaps` or `widgets.example.com`.</summary>
    public string QualifiedResource => StorageKey;

    /// <summary>The kind as Invalid errors name it: `ConfigMap` or `Widget.example.com`.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public string ListKind => Kind + "List";

    /// <summary>Strategic merge patch is defined only for compiled-in types.</summary>
    public bool SupportsStrategicMerge => !IsCustom;
}
