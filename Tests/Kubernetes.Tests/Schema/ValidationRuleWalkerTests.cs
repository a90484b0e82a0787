using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Kubernetes.Tests.Schema;

/// <summary>Where rules run, what they see as self and oldSelf, and how failures read.</summary>
public sealed class ValidationRuleWalkerTests
{
    private static readonly JsonSchemaProps Schema = StructuralSchemaGenerator.CustomResourceDefinition(typeof(Widget)).Spec.Versions[0].Schema!.OpenApiV3Schema!;

    private static readonly Dictionary<string, RulePredicate> Rules = new(StringComparer.Ordinal)
    {
        ["!(has(self.a) && has(self.b))"] = (s, _) => !(s["a"] is not null && s["b"] is not null),
        ["self.all(k, size(k) < 5)"] = (s, _) => s.AsObject().All(kv => kv.Key.Length < 5),
        ["self >= oldSelf"] = (s, o) => s.GetValue<long>() >= o!.GetValue<long>(),
    };

    private static JsonNode Widget(string spec) => JsonNode.Parse($$"""{"spec":{{spec}}}""")!;

    [Fact]
    public void A_failed_rule_is_reported_at_the_node_that_carries_it()
    {
        var errors = ValidationRuleWalker.Validate(Widget("""{"name":"w","a":"1","b":"2","labels":{"long-key":"v"}}"""), null, Schema, Rules);
        Assert.Equal(
            ["spec: Invalid value: \"object\": a and b exclude each other", "spec.labels: Invalid value: \"object\": short keys"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Transition_rules_run_only_with_a_correlated_old_value()
    {
        var shrunk = Widget("""{"name":"w","parts":[{"id":"p","count":1},{"id":"q","count":1}]}""");
        var old = Widget("""{"name":"w","parts":[{"id":"q","count":0},{"id":"p","count":5}]}""");

        // Create: no old object, no transition rule.
        Assert.Empty(ValidationRuleWalker.Validate(shrunk, null, Schema, Rules));

        // Update: list-map items are paired by key, not by position.
        var error = Assert.Single(ValidationRuleWalker.Validate(shrunk, old, Schema, Rules));
        Assert.Equal("spec.parts[0].count", error.Path);
        Assert.EndsWith("count may only grow", error.Detail, StringComparison.Ordinal);

        // A new item has no old self.
        Assert.Empty(ValidationRuleWalker.Validate(Widget("""{"name":"w","parts":[{"id":"new","count":0}]}"""), old, Schema, Rules));
    }

    [Fact]
    public void A_rule_without_an_implementation_is_an_error_not_a_silent_pass()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => ValidationRuleWalker.Validate(Widget("""{"name":"w"}"""), null, Schema, new Dictionary<string, RulePredicate>()));
        Assert.Contains("!(has(self.a) && has(self.b))", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_in_lists_every_distinct_rule()
    {
        Assert.Equal(Rules.Keys.Order(StringComparer.Ordinal), ValidationRuleWalker.RulesIn(Schema).Order(StringComparer.Ordinal));
        Assert.True(ValidationRuleWalker.IsTransitionRule("self >= oldSelf"));
        Assert.False(ValidationRuleWalker.IsTransitionRule("self.all(k, size(k) < 5)"));
    }
}
