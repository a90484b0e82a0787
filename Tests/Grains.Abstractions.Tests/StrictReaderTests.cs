using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Tests;

/// <summary>The strict reader rejects what `fieldValidation=Strict` rejects, naming the field and the problem.</summary>
public sealed class StrictReaderTests
{
    private const string Valid = """
        apiVersion: multigres.com/v1alpha1
        kind: MultigresCluster
        metadata:
          name: demo
          namespace: default
        spec:
          postgresPasswordSecretRef: {name: pw, key: password}
          cells:
            - name: zone-a
              zoneId: use1-az1
        """;

    [Fact]
    public void A_valid_cluster_is_read_into_its_type()
    {
        var manifest = Assert.Single(ManifestReader.ReadAll(Valid));
        var cluster = Assert.IsType<MultigresCluster>(manifest.Object);
        Assert.Equal("demo", cluster.Metadata.Name);
        Assert.Equal("use1-az1", Assert.Single(cluster.Spec.Cells!).ZoneId);
        Assert.Equal("pw", cluster.Spec.PostgresPasswordSecretRef.Name);
    }

    [Theory]
    [InlineData("      zoneId: use1-az1", "      zoneID: use1-az1", "spec.cells[0].zoneID", SchemaErrorKind.UnknownField, "unknown field \"spec.cells[0].zoneID\"")]
    [InlineData("      zoneId: use1-az1", "      zoneId: 7", "spec.cells[0].zoneId", SchemaErrorKind.Type, "must be of type string")]
    [InlineData("  name: demo", "  name: demo\n  labelz: {a: b}", "metadata.labelz", SchemaErrorKind.UnknownField, "unknown field \"metadata.labelz\"")]
    [InlineData("    - name: zone-a", "    - name: Zone_A", "spec.cells[0].name", SchemaErrorKind.Pattern, "should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'")]
    [InlineData("  postgresPasswordSecretRef: {name: pw, key: password}", "  postgresPasswordSecretRef: {name: pw}", "spec.postgresPasswordSecretRef.key", SchemaErrorKind.Required, "Required value")]
    [InlineData("  postgresPasswordSecretRef: {name: pw, key: password}", "  images: {imagePullPolicy: Sometimes}", "spec.postgresPasswordSecretRef", SchemaErrorKind.Required, "Required value")]
    [InlineData("  cells:", "  images: {imagePullPolicy: Sometimes}\n  cells:", "spec.images.imagePullPolicy", SchemaErrorKind.Enum, "Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"IfNotPresent\"")]
    [InlineData("      zoneId: use1-az1", "      zoneId: use1-az1\n      spec: {multigateway: {replicas: 129}}", "spec.cells[0].spec.multigateway.replicas", SchemaErrorKind.OutOfRange, "should be less than or equal to 128")]
    [InlineData("      zoneId: use1-az1", "      zoneId: use1-az1\n      spec: {multigateway: {buffer: {window: 10 seconds}}}", "spec.cells[0].spec.multigateway.buffer.window", SchemaErrorKind.Pattern, "should match")]
    public void An_invalid_field_is_reported_with_its_path_and_problem(string find, string replace, string path, SchemaErrorKind kind, string detail)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        var yaml = Valid.Replace(find, replace, StringComparison.Ordinal);

        var error = Assert.Throws<StrictReadException>(() => ManifestReader.ReadAll(yaml));

        var match = error.Errors.SingleOrDefault(e => e.Path == path);
        Assert.True(match is not null, $"expected an error at {path}; got: {error.Message}");
        Assert.Equal(kind, match.Kind);
        Assert.Contains(detail, match.Detail, StringComparison.Ordinal);
        Assert.StartsWith("MultigresCluster \"default/demo\" is invalid: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_violation_is_reported_not_just_the_first()
    {
        var yaml = Valid.Replace("      zoneId: use1-az1", "      zoneId: use1-az1\n      colour: blue\n      region: 12", StringComparison.Ordinal);
        var error = Assert.Throws<StrictReadException>(() => ManifestReader.ReadAll(yaml));
        Assert.Equal(["spec.cells[0].colour", "spec.cells[0].region"], error.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Objects_of_other_kinds_pass_through_as_json()
    {
        var manifest = Assert.Single(ManifestReader.ReadAll("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: postgres}\n"));
        Assert.Null(manifest.Object);
        Assert.Equal("postgres", manifest.Json["stringData"]!["password"]!.GetValue<string>());
    }

    [Fact]
    public void An_unknown_multigres_kind_is_rejected()
    {
        var error = Assert.Throws<StrictReadException>(() => ManifestReader.ReadAll("apiVersion: multigres.com/v1alpha1\nkind: MultiGateway\nmetadata: {name: x}\n"));
        Assert.Contains("no kind \"MultiGateway\"", error.Message, StringComparison.Ordinal);
    }
}
