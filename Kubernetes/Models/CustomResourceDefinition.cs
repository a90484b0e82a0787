using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinition.</summary>
public sealed class CustomResourceDefinition : IKubernetesObject
{
    public const string ApiVersionValue = "apiextensions.k8s.io/v1";
    public const string KindValue = "CustomResourceDefinition";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = ApiVersionValue;
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindValue;
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public CustomResourceDefinitionSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public System.Text.Json.Nodes.JsonObject? Status { get; set; }
}

public sealed class CustomResourceDefinitionSpec
{
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("names")] public CustomResourceDefinitionNames Names { get; set; } = new();
    [JsonPropertyName("scope")] public string Scope { get; set; } = "Namespaced";
    [JsonPropertyName("versions")] public List<CustomResourceDefinitionVersion> Versions { get; set; } = [];
    [JsonPropertyName("conversion")] public System.Text.Json.Nodes.JsonObject? Conversion { get; set; }
    [JsonPropertyName("preserveUnknownFields")] public bool? PreserveUnknownFields { get; set; }
}

public sealed class CustomResourceDefinitionNames
{
    [JsonPropertyName("categories")] public List<string>? Categories { get; set; }
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("listKind")] public string? ListKind { get; set; }
    [JsonPropertyName("plural")] public string Plural { get; set; } = "";
    [JsonPropertyName("shortNames")] public List<string>? ShortNames { get; set; }
    [JsonPropertyName("singular")] public string? Singular { get; set; }
}

public sealed class CustomResourceDefinitionVersion
{
    [JsonPropertyName("additionalPrinterColumns")] public List<CustomResourceColumnDefinition>? AdditionalPrinterColumns { get; set; }
    [JsonPropertyName("deprecated")] public bool? Deprecated { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("schema")] public CustomResourceValidation? Schema { get; set; }
    [JsonPropertyName("served")] public bool Served { get; set; }
    [JsonPropertyName("storage")] public bool Storage { get; set; }
    [JsonPropertyName("subresources")] public CustomResourceSubresources? Subresources { get; set; }
}

public sealed class CustomResourceColumnDefinition
{
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("format")] public string? Format { get; set; }
    [JsonPropertyName("jsonPath")] public string JsonPath { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("priority")] public int? Priority { get; set; }
    [JsonPropertyName("type")] public string Type { get; set; } = "string";
}

public sealed class CustomResourceValidation
{
    [JsonPropertyName("openAPIV3Schema")] public JsonSchemaProps? OpenApiV3Schema { get; set; }
}

public sealed class CustomResourceSubresources
{
    [JsonPropertyName("scale")] public CustomResourceSubresourceScale? Scale { get; set; }

    /// <summary>Present (as an empty object) when the status subresource is enabled.</summary>
    [JsonPropertyName("status")] public System.Text.Json.Nodes.JsonObject? Status { get; set; }
}

public sealed class CustomResourceSubresourceScale
{
    [JsonPropertyName("labelSelectorPath")] public string? LabelSelectorPath { get; set; }
    [JsonPropertyName("specReplicasPath")] public string SpecReplicasPath { get; set; } = "";
    [JsonPropertyName("statusReplicasPath")] public string StatusReplicasPath { get; set; } = "";
}
