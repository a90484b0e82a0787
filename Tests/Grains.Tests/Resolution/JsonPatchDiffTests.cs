using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>RFC 6902 diff: operations, JSON Pointer escaping and the array policy documented on <see cref="JsonPatchDiff"/>.</summary>
public sealed class JsonPatchDiffTests
{
    private static JsonArray Diff(string from, string to, string basePath = "") =>
        JsonPatchDiff.Diff(JsonNode.Parse(from), JsonNode.Parse(to), basePath);

    private static void AssertPatch(string expected, JsonArray actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual.ToJsonString()}");

    [Fact]
    public void Equal_documents_give_an_empty_patch()
    {
        Assert.Empty(Diff("""{"a":{"b":[1,2,{"c":null}]}}""", """{"a":{"b":[1,2,{"c":null}]}}"""));
    }

    [Fact]
    public void Added_removed_and_changed_members()
    {
        AssertPatch(
            """[{"op":"remove","path":"/x/a"},{"op":"replace","path":"/x/b","value":2},{"op":"add","path":"/x/c","value":{"d":[1]}}]""",
            Diff("""{"a":1,"b":1}""", """{"b":2,"c":{"d":[1]}}""", "/x"));
    }

    [Fact]
    public void Nested_change_is_one_deep_operation()
    {
        AssertPatch(
            """[{"op":"add","path":"/spec/cells/0/spec","value":{"r":1}}]""",
            Diff("""{"spec":{"cells":[{"name":"a"}]}}""", """{"spec":{"cells":[{"name":"a","spec":{"r":1}}]}}"""));
    }

    [Fact]
    public void Arrays_of_equal_length_are_diffed_per_index_and_others_replaced_whole()
    {
        AssertPatch("""[{"op":"replace","path":"/1","value":9}]""", Diff("[1,2,3]", "[1,9,3]"));
        AssertPatch("""[{"op":"replace","path":"/a","value":[1,2,3]}]""", Diff("""{"a":[1,2]}""", """{"a":[1,2,3]}"""));
    }

    [Fact]
    public void Type_changes_and_null_values_are_replacements()
    {
        AssertPatch("""[{"op":"replace","path":"/a","value":"1"}]""", Diff("""{"a":1}""", """{"a":"1"}"""));
        AssertPatch("""[{"op":"replace","path":"/a","value":null}]""", Diff("""{"a":{}}""", """{"a":null}"""));
        AssertPatch("""[{"op":"replace","path":"/a","value":[]}]""", Diff("""{"a":{}}""", """{"a":[]}"""));
    }

    [Fact]
    public void Whole_document_replacement_uses_the_empty_pointer()
    {
        AssertPatch("""[{"op":"replace","path":"","value":[1]}]""", Diff("""{"a":1}""", "[1]"));
    }

    [Theory]
    [InlineData("a/b", "a~1b")]
    [InlineData("a~b", "a~0b")]
    [InlineData("~/", "~0~1")]
    [InlineData("~1", "~01")]
    [InlineData("", "")]
    public void Pointer_tokens_escape_tilde_before_slash_and_round_trip(string token, string escaped)
    {
        Assert.Equal(escaped, JsonPatchDiff.EscapeToken(token));
        Assert.Equal(token, JsonPatchDiff.UnescapeToken(escaped));
    }

    [Fact]
    public void Keys_with_slash_and_tilde_are_escaped_in_paths_and_apply_back()
    {
        var from = JsonNode.Parse("""{"podAnnotations":{"example.com/x":"1","a~b":"1"}}""");
        var to = JsonNode.Parse("""{"podAnnotations":{"example.com/x":"2","new/~key":"3"}}""");

        var patch = JsonPatchDiff.Diff(from, to);

        AssertPatch(
            """
            [{"op":"replace","path":"/podAnnotations/example.com~1x","value":"2"},
             {"op":"remove","path":"/podAnnotations/a~0b"},
             {"op":"add","path":"/podAnnotations/new~1~0key","value":"3"}]
            """,
            patch);
        Assert.True(JsonNode.DeepEquals(to, JsonPatchApply.Apply(from, patch)));
    }

    [Fact]
    public void Patch_values_are_copies_not_the_target_nodes()
    {
        var to = JsonNode.Parse("""{"a":{"b":1}}""");

        var patch = JsonPatchDiff.Diff(JsonNode.Parse("{}"), to);
        to!["a"]!["b"] = 2;

        Assert.Equal(1, (int)patch[0]!["value"]!["b"]!);
    }
}
