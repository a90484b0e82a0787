using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Selectors;

namespace MultigresOrleans.KubeSim.Tests.Unit;

public sealed class SelectorTests
{
    private static JsonObject Obj(string labels) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "n1", ["namespace"] = "ns1", ["labels"] = JsonNode.Parse(labels) },
        ["status"] = new JsonObject { ["phase"] = "Running" },
    };

    [Theory]
    [InlineData("", """{"a":"1"}""", true)]
    [InlineData("a=1", """{"a":"1"}""", true)]
    [InlineData("a==1", """{"a":"2"}""", false)]
    [InlineData("a!=1", """{}""", true)]
    [InlineData("a in (1, 2)", """{"a":"2"}""", true)]
    [InlineData("a notin (1,2)", """{}""", true)]
    [InlineData("a notin (1,2)", """{"a":"1"}""", false)]
    [InlineData("a", """{"a":""}""", true)]
    [InlineData("!a", """{"a":"x"}""", false)]
    [InlineData("a=1,b in (x),!c", """{"a":"1","b":"x"}""", true)]
    public void Label_selectors_support_every_operator(string selector, string labels, bool expected) =>
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Obj(labels)));

    [Theory]
    [InlineData("metadata.name=n1", true)]
    [InlineData("metadata.name!=n1", false)]
    [InlineData("metadata.namespace==ns1,metadata.name=n1", true)]
    [InlineData("status.phase=Pending", false)]
    public void Field_selectors_match_metadata_fields(string selector, bool expected) =>
        Assert.Equal(expected, FieldSelector.Parse(selector).Matches(Obj("{}")));

    [Fact]
    public void Unsupported_field_selectors_are_bad_requests() =>
        Assert.Equal(400, Assert.Throws<ApiException>(() => FieldSelector.Parse("spec.foo=bar")).Code);
}
