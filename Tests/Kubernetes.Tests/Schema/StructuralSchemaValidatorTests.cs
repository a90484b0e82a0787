using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Kubernetes.Tests.Schema;

/// <summary>Structural validation as the API server does it, with its paths and message shapes.</summary>
public sealed class StructuralSchemaValidatorTests
{
    private static readonly JsonSchemaProps Schema = StructuralSchemaGenerator.CustomResourceDefinition(typeof(Widget)).Spec.Versions[0].Schema!.OpenApiV3Schema!;

    private static IReadOnlyList<SchemaError> Validate(string specJson) =>
        StructuralSchemaValidator.Validate(JsonNode.Parse($$"""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","anything":1},"spec":{{specJson}}}"""), Schema);

    [Fact]
    public void A_valid_object_has_no_errors_and_root_metadata_is_not_checked_here()
    {
        Assert.Empty(Validate("""{"name":"abc","replicas":3,"colour":"deep-blue","zones":["a","b"],"labels":{"x":"y"},"parts":[{"id":"p","count":2}],"size":"1Gi","since":"2026-08-21T02:00:00Z"}"""));
        Assert.Empty(Validate("""{"name":"abc","size":5}"""));
    }

    [Theory]
    [InlineData("""{"name":"abc","extra":1}""", "spec.extra", SchemaErrorKind.UnknownField, "unknown field \"spec.extra\"")]
    [InlineData("""{}""", "spec.name", SchemaErrorKind.Required, "Required value")]
    [InlineData("""{"name":"abc","replicas":"3"}""", "spec.replicas", SchemaErrorKind.Type, "Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"")]
    [InlineData("""{"name":"abc","replicas":1.5}""", "spec.replicas", SchemaErrorKind.Type, "must be of type integer")]
    [InlineData("""{"name":"abc","replicas":11}""", "spec.replicas", SchemaErrorKind.OutOfRange, "Invalid value: 11: spec.replicas in body should be less than or equal to 10")]
    [InlineData("""{"name":"abc","replicas":-1}""", "spec.replicas", SchemaErrorKind.OutOfRange, "should be greater than or equal to 0")]
    [InlineData("""{"name":"ABC"}""", "spec.name", SchemaErrorKind.Pattern, "Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'")]
    [InlineData("""{"name":"abc\n"}""", "spec.name", SchemaErrorKind.Pattern, "should match")]
    [InlineData("""{"name":"abcdefghi"}""", "spec.name", SchemaErrorKind.TooLong, "Too long: may not be more than 8 bytes")]
    [InlineData("""{"name":"abc","colour":"green"}""", "spec.colour", SchemaErrorKind.Enum, "Unsupported value: \"green\": supported values: \"red\", \"deep-blue\"")]
    [InlineData("""{"name":"abc","zones":["a","b","a"]}""", "spec.zones[2]", SchemaErrorKind.Duplicate, "Duplicate value: \"a\"")]
    [InlineData("""{"name":"abc","zones":["a","b","c","d"]}""", "spec.zones", SchemaErrorKind.TooMany, "Too many: 4: must have at most 3 items")]
    [InlineData("""{"name":"abc","labels":{"a":"1","b":"2","c":"3"}}""", "spec.labels", SchemaErrorKind.TooMany, "Too many: 3: must have at most 2 items")]
    [InlineData("""{"name":"abc","parts":[{"id":"p"},{"id":"p"}]}""", "spec.parts[1]", SchemaErrorKind.Duplicate, "Duplicate value: {\"id\":\"p\"}")]
    [InlineData("""{"name":"abc","size":true}""", "spec.size", SchemaErrorKind.Type, "must be of type integer or string")]
    [InlineData("""{"name":"abc","since":"yesterday"}""", "spec.since", SchemaErrorKind.Format, "must be of type date-time")]
    public void A_violation_is_reported_at_its_path_with_the_api_server_shape(string spec, string path, SchemaErrorKind kind, string detail)
    {
        var errors = Validate(spec);
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Equal(kind, error.Kind);
        Assert.Contains(detail, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_name_breaks_both_its_length_and_its_pattern()
    {
        var errors = Validate("""{"name":""}""");
        Assert.Equal([SchemaErrorKind.TooShort, SchemaErrorKind.Pattern], errors.Select(e => e.Kind));
        Assert.Contains("spec.name in body should be at least 1 chars long", errors[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Nulls_count_as_absent_and_unicode_lengths_count_code_points()
    {
        Assert.Empty(Validate("""{"name":"abc","replicas":null}"""));
        Assert.Equal(SchemaErrorKind.Required, Assert.Single(Validate("""{"name":null}""")).Kind);

        var emoji = new JsonSchemaProps { Type = "string", MaxLength = 2 };
        Assert.Empty(StructuralSchemaValidator.Validate(JsonValue.Create("😀😀"), emoji, "v"));
    }

    [Fact]
    public void Preserve_unknown_fields_accepts_anything_below()
    {
        var schema = new JsonSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true, Properties = new(StringComparer.Ordinal) { ["a"] = new() { Type = "string" } } };
        Assert.Empty(StructuralSchemaValidator.Validate(JsonNode.Parse("""{"a":"x","b":{"c":1}}"""), schema, "spec"));
        Assert.Single(StructuralSchemaValidator.Validate(JsonNode.Parse("""{"a":1}"""), schema, "spec"));
    }

    [Fact]
    public void Every_violation_is_reported()
    {
        var errors = Validate("""{"replicas":"x","colour":"green","extra":true}""");
        Assert.Equal(["spec.colour", "spec.extra", "spec.name", "spec.replicas"], errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }
}
