using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Kubernetes.Tests.Schema;

public sealed class StructuralSchemaGeneratorTests
{
    private static readonly CustomResourceDefinition Crd = StructuralSchemaGenerator.CustomResourceDefinition(typeof(Widget));
    private static JsonSchemaProps Root => Crd.Spec.Versions[0].Schema!.OpenApiV3Schema!;
    private static JsonSchemaProps Spec => Root.Properties!["spec"];

    [Fact]
    public void The_crd_carries_names_scope_columns_and_subresources()
    {
        Assert.Equal("widgets.example.com", Crd.Metadata.Name);
        Assert.Equal(["wd"], Crd.Spec.Names.ShortNames!);
        Assert.Equal("WidgetList", Crd.Spec.Names.ListKind);
        Assert.Equal("widget", Crd.Spec.Names.Singular);
        Assert.Equal("Namespaced", Crd.Spec.Scope);
        var version = Crd.Spec.Versions[0];
        Assert.Equal(["Ready", "Colour"], version.AdditionalPrinterColumns!.Select(c => c.Name));
        Assert.Equal(1, version.AdditionalPrinterColumns![1].Priority);
        Assert.Null(version.AdditionalPrinterColumns[0].Priority);
        Assert.NotNull(version.Subresources!.Status);
        Assert.Equal(".status.ready", version.Subresources.Scale!.StatusReplicasPath);
    }

    [Fact]
    public void Root_metadata_is_an_opaque_object_and_spec_is_required()
    {
        Assert.Equal("object", Root.Properties!["metadata"].Type);
        Assert.Null(Root.Properties["metadata"].Properties);
        Assert.Equal(["spec"], Root.Required!);
        Assert.Equal("string", Root.Properties["apiVersion"].Type);
    }

    [Fact]
    public void Members_map_to_types_bounds_and_markers()
    {
        Assert.Equal(["name"], Spec.Required!);
        Assert.Equal(["!(has(self.a) && has(self.b))"], Spec.XKubernetesValidations!.Select(v => v.Rule));

        var name = Spec.Properties!["name"];
        Assert.Equal(("string", 1L, 8L, "^[a-z]+$"), (name.Type!, name.MinLength!.Value, name.MaxLength!.Value, name.Pattern!));

        var replicas = Spec.Properties["replicas"];
        Assert.Equal(("integer", "int32", 0d, 10d), (replicas.Type!, replicas.Format!, replicas.Minimum!.Value, replicas.Maximum!.Value));

        var colour = Spec.Properties["colour"];
        Assert.Equal(["red", "deep-blue"], colour.Enum!.Select(v => v!.GetValue<string>()));
        Assert.Equal("red", colour.Default!.GetValue<string>());

        var zones = Spec.Properties["zones"];
        Assert.Equal(("array", "set", 3L), (zones.Type!, zones.XKubernetesListType!, zones.MaxItems!.Value));
        Assert.Equal("^[a-z]+$", zones.Items!.Pattern);

        var labels = Spec.Properties["labels"];
        Assert.Equal(("object", "string", 2L), (labels.Type!, labels.AdditionalProperties!.Type!, labels.MaxProperties!.Value));
        Assert.Equal("short keys", Assert.Single(labels.XKubernetesValidations!).Message);

        var parts = Spec.Properties["parts"];
        Assert.Equal(["id"], parts.XKubernetesListMapKeys!);
        Assert.Equal(["id"], parts.Items!.Required!);
        Assert.Equal("int64", parts.Items.Properties!["count"].Format);

        Assert.True(Spec.Properties["size"].XKubernetesIntOrString);
        Assert.Equal("date-time", Spec.Properties["since"].Format);
    }

    [Fact]
    public void Properties_are_sorted_so_output_is_stable()
    {
        Assert.Equal(Spec.Properties!.Keys.Order(StringComparer.Ordinal), Spec.Properties.Keys);
    }

    private sealed record BadMapList
    {
        [System.Text.Json.Serialization.JsonPropertyName("items"), ListType("map", "id")]
        public IReadOnlyList<WidgetStatus>? Items { get; init; }
    }

    private sealed record NonNullableOptional
    {
        [System.Text.Json.Serialization.JsonPropertyName("count")] public int Count { get; init; }
    }

    [Fact]
    public void Modelling_slips_are_refused_with_the_member_named()
    {
        Assert.Contains("list map key 'id'", Assert.Throws<NotSupportedException>(() => StructuralSchemaGenerator.ForType(typeof(BadMapList))).Message, StringComparison.Ordinal);
        Assert.Contains("NonNullableOptional.Count", Assert.Throws<NotSupportedException>(() => StructuralSchemaGenerator.ForType(typeof(NonNullableOptional))).Message, StringComparison.Ordinal);
    }
}
