using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Patching;

namespace MultigresOrleans.KubeSim.Tests.Unit;

public sealed class PatchTests
{
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual?.ToJsonString());

    [Fact]
    public void Merge_patch_follows_RFC_7386()
    {
        // The RFC's worked example.
        var target = JsonNode.Parse("""{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}""");
        var patch = JsonNode.Parse("""{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}""");
        AssertJson("""{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}""",
            JsonMergePatch.Apply(target, patch));
    }

    [Fact]
    public void Json_patch_supports_every_RFC_6902_operation()
    {
        var doc = JsonNode.Parse("""{"a":{"b":[1,2]},"c":"x","e/f":1}""");
        var patch = JsonNode.Parse("""
            [{"op":"add","path":"/a/b/1","value":9},{"op":"add","path":"/a/b/-","value":3},{"op":"remove","path":"/c"},
             {"op":"replace","path":"/e~1f","value":2},{"op":"copy","from":"/a/b","path":"/d"},{"op":"move","from":"/d","path":"/g"},
             {"op":"test","path":"/g/0","value":1}]
            """);
        AssertJson("""{"a":{"b":[1,9,2,3]},"e/f":2,"g":[1,9,2,3]}""", JsonPatch.Apply(doc, patch));
    }

    [Fact]
    public void Json_patch_failures_are_422()
    {
        var doc = JsonNode.Parse("""{"a":1}""");
        Assert.Equal(422, Assert.Throws<ApiException>(() => JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"test","path":"/a","value":2}]"""))).Code);
        Assert.Equal(422, Assert.Throws<ApiException>(() => JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"remove","path":"/b"}]"""))).Code);
        Assert.Equal(422, Assert.Throws<ApiException>(() => JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"replace","path":"/x/y","value":1}]"""))).Code);
    }

    [Fact]
    public void Strategic_merge_merges_lists_by_their_keys()
    {
        var live = JsonNode.Parse("""
            {"spec":{"containers":[{"name":"a","image":"a:1","ports":[{"containerPort":80,"name":"http"}],"env":[{"name":"X","value":"1"}],
              "volumeMounts":[{"name":"data","mountPath":"/data"}]},{"name":"b","image":"b:1"}],
              "volumes":[{"name":"data","emptyDir":{}}],"tolerations":[{"key":"k1"}]},
             "status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Synced","status":"True"}]},
             "metadata":{"finalizers":["f1"]}}
            """);
        var patch = JsonNode.Parse("""
            {"spec":{"containers":[{"name":"a","image":"a:2","ports":[{"containerPort":9090,"name":"metrics"}],"env":[{"name":"Y","value":"2"}],
              "volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true}]},{"name":"b","$patch":"delete"},{"name":"c","image":"c:1"}],
              "tolerations":[{"key":"k2"}],"$setElementOrder/containers":[{"name":"a"},{"name":"c"}]},
             "status":{"conditions":[{"type":"Ready","status":"True"}]},
             "metadata":{"finalizers":["f2"],"$deleteFromPrimitiveList/finalizers":["f1"]}}
            """);
        AssertJson("""
            {"spec":{"containers":[{"name":"a","image":"a:2","ports":[{"containerPort":80,"name":"http"},{"containerPort":9090,"name":"metrics"}],
              "env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}],"volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true}]},{"name":"c","image":"c:1"}],
              "volumes":[{"name":"data","emptyDir":{}}],"tolerations":[{"key":"k2"}]},
             "status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Synced","status":"True"}]},
             "metadata":{"finalizers":["f2"]}}
            """, StrategicMergePatch.Apply(live, patch));
    }

    [Fact]
    public void Strategic_merge_replace_directive_replaces_a_map()
    {
        var live = JsonNode.Parse("""{"spec":{"selector":{"a":"1","b":"2"}}}""");
        var patch = JsonNode.Parse("""{"spec":{"selector":{"$patch":"replace","c":"3"}}}""");
        AssertJson("""{"spec":{"selector":{"c":"3"}}}""", StrategicMergePatch.Apply(live, patch));
    }
}
