using FsCheck;
using FsCheck.Fluent;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.Kubernetes.Tests.Yaml;

/// <summary>YAML is read the way kubectl reads it (YAML 1.1 plain scalars) and written so it reads back identically.</summary>
public sealed class YamlJsonTests
{
    [Theory]
    [InlineData("3", "3")]
    [InlineData("-7", "-7")]
    [InlineData("0x1F", "31")]
    [InlineData("1.5", "1.5")]
    [InlineData("true", "true")]
    [InlineData("yes", "true")]
    [InlineData("On", "true")]
    [InlineData("y", "true")]
    [InlineData("n", "false")]
    [InlineData("off", "false")]
    [InlineData("~", "null")]
    [InlineData("null", "null")]
    [InlineData("\"3\"", "\"3\"")]
    [InlineData("'yes'", "\"yes\"")]
    [InlineData("0-inf", "\"0-inf\"")]
    [InlineData("20s", "\"20s\"")]
    [InlineData("100Gi", "\"100Gi\"")]
    [InlineData("!!str 42", "\"42\"")]
    [InlineData("use1-az1", "\"use1-az1\"")]
    public void Plain_and_quoted_scalars_resolve_like_kubectl(string yaml, string json)
    {
        var value = YamlJson.Parse($"v: {yaml}")!;
        Assert.Equal(json, value["v"]?.ToJsonString() ?? "null");
    }

    [Fact]
    public void Several_documents_are_read_and_empty_ones_skipped()
    {
        var documents = YamlJson.ParseDocuments("# leading comment\n---\na: 1\n---\n# only a comment\n---\nb: [x, z]\n");
        Assert.Equal(2, documents.Count);
        Assert.Equal("""{"a":1}""", documents[0]!.ToJsonString());
        Assert.Equal("""{"b":["x","z"]}""", documents[1]!.ToJsonString());
    }

    [Fact]
    public void Duplicate_keys_are_an_error_naming_the_key()
    {
        var error = Assert.Throws<FormatException>(() => YamlJson.Parse("spec:\n  a: 1\n  a: 2\n"));
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("Duplicate key a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_yaml_is_an_error_with_its_position()
    {
        var error = Assert.Throws<FormatException>(() => YamlJson.Parse("a: [1, 2\nb: 3\n"));
        Assert.StartsWith("invalid YAML", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("true")]
    [InlineData("3")]
    [InlineData("1.5e3")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData(" padded ")]
    [InlineData("a: b")]
    [InlineData("# not a comment")]
    [InlineData("- item")]
    [InlineData("!(has(self.etcd) && has(self.external))")]
    [InlineData("^([0-9]+(\\.[0-9]+)?(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$")]
    [InlineData("line one\nline two")]
    [InlineData("serviceAccountName and useEnvCredentials are mutually exclusive \u2014 IRSA")]
    [InlineData("0x10")]
    [InlineData("012")]
    [InlineData("a *")]
    [InlineData("a &b")]
    [InlineData("x: y")]
    public void Strings_that_would_read_back_as_something_else_are_quoted(string text)
    {
        var original = new JsonObject { ["k"] = text, ["list"] = new JsonArray(text), ["map"] = new JsonObject { [text] = "key" } };
        var yaml = YamlJson.ToYaml(original);
        Assert.True(JsonNode.DeepEquals(original, YamlJson.Parse(yaml)), $"round trip changed the value; YAML was:\n{yaml}");
    }

    [Fact]
    public void Writing_is_block_style_with_unindented_sequences_like_controller_gen()
    {
        var yaml = YamlJson.ToYaml(JsonNode.Parse("""{"a":{"b":[1,"x"],"c":[]},"d":true}"""));
        Assert.Equal("a:\n  b:\n  - 1\n  - x\n  c: []\nd: true\n", yaml);
    }

    [Fact]
    public void Property_based_round_trip_of_arbitrary_strings()
    {
        Prop.ForAll<string>(s =>
        {
            var text = s ?? "";
            var original = new JsonObject { [text.Length == 0 ? "empty" : text] = text };
            return JsonNode.DeepEquals(original, YamlJson.Parse(YamlJson.ToYaml(original)));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }
}
