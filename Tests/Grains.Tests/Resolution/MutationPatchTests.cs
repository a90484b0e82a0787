using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Resolution;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>The mutating webhook's patch on raw incoming JSON (spec §2.2): only /spec is touched.</summary>
public sealed class MutationPatchTests
{
    private static JsonObject Incoming(string specJson) => JsonNode.Parse($$"""
        {"apiVersion":"multigres.com/v1alpha1","kind":"MultigresCluster",
         "metadata":{"name":"c","namespace":"ns","annotations":{"example.com/a~b":"x"},"uid":"u-1"},
         "spec":{{specJson}}}
        """)!.AsObject();

    [Fact]
    public void Empty_databases_array_is_replaced_whole_and_the_result_applies()
    {
        var incoming = Incoming("""{"postgresPasswordSecretRef":{"name":"pw","key":"k"},"cells":[{"name":"a","zoneId":"z"}],"databases":[]}""");

        var result = MutationPatch.Compute(incoming, InMemoryTemplateSource.Empty);

        Assert.Contains(result.Patch, op => (string)op!["op"]! == "replace" && (string)op["path"]! == "/spec/databases");
        AssertJson(MutationPatch.SpecJson(result.Defaulted), JsonPatchApply.Apply(incoming, result.Patch)!["spec"]);
    }

    [Fact]
    public void Metadata_is_never_patched_even_when_the_typed_model_would_drop_fields()
    {
        var incoming = Incoming("""{"postgresPasswordSecretRef":{"name":"pw","key":"k"}}""");

        var result = MutationPatch.Compute(incoming, InMemoryTemplateSource.Empty);

        Assert.NotEmpty(result.Patch);
        Assert.All(result.Patch, op => Assert.StartsWith("/spec/", (string)op!["path"]!, StringComparison.Ordinal));
        var patched = JsonPatchApply.Apply(incoming, result.Patch)!;
        AssertJson(incoming["metadata"], patched["metadata"]);
    }

    [Fact]
    public void Existing_user_cell_entries_are_extended_in_place_not_replaced()
    {
        var incoming = Incoming("""{"postgresPasswordSecretRef":{"name":"pw","key":"k"},"cells":[{"name":"a","zoneId":"z"},{"name":"b","region":"r"}]}""");

        var result = MutationPatch.Compute(incoming, InMemoryTemplateSource.Empty);

        var cellOps = result.Patch.Where(op => ((string)op!["path"]!).StartsWith("/spec/cells", StringComparison.Ordinal)).Select(op => (string)op!["path"]!).ToList();
        Assert.Equal(["/spec/cells/0/spec", "/spec/cells/1/spec"], cellOps);
    }

    [Fact]
    public void A_quantity_written_as_a_number_comes_back_as_its_string_form()
    {
        var incoming = Incoming("""{"postgresPasswordSecretRef":{"name":"pw","key":"k"},"multiadmin":{"spec":{"resources":{"requests":{"cpu":1}}}}}""");

        var result = MutationPatch.Compute(incoming, InMemoryTemplateSource.Empty);

        var op = Assert.Single(result.Patch, o => ((string)o!["path"]!).StartsWith("/spec/multiadmin/spec/resources", StringComparison.Ordinal));
        Assert.Equal("""{"op":"replace","path":"/spec/multiadmin/spec/resources/requests/cpu","value":"1"}""", op!.ToJsonString());
    }

    [Fact]
    public void A_cluster_without_the_required_password_ref_cannot_be_read()
    {
        Assert.Throws<JsonException>(() => MutationPatch.Compute(Incoming("""{"cells":[{"name":"a"}]}"""), InMemoryTemplateSource.Empty));
    }
}
