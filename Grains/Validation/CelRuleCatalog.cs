using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// Every CEL rule of the Multigres CRDs, keyed by its exact text, implemented in C#. The CRDs
/// carry the CEL for real API servers; this catalog lets the validating webhook (and tests, and
/// KubeSim-based runs where no CEL engine exists) enforce the same rules with the same messages.
/// A test proves every rule in every generated CRD has an entry here, so a rule added to the
/// types without an implementation fails the build's tests rather than being silently skipped.
/// Semantics follow CEL on JSON: <c>has(self.x)</c> is "field present", <c>size</c> counts code
/// points, <c>==</c> on objects is deep equality.
/// </summary>
public static class CelRuleCatalog
{
    public static IReadOnlyDictionary<string, RulePredicate> Rules { get; } = new Dictionary<string, RulePredicate>(StringComparer.Ordinal)
    {
        // Mutual exclusion and presence of sibling fields.
        ["!(has(self.etcd) && has(self.external))"] = (s, _) => !(Has(s, "etcd") && Has(s, "external")),
        ["has(self.etcd) || has(self.external)"] = (s, _) => Has(s, "etcd") || Has(s, "external"),
        ["has(self.etcd)"] = (s, _) => Has(s, "etcd"),
        ["!(has(self.spec) && has(self.cellTemplate))"] = (s, _) => !(Has(s, "spec") && Has(s, "cellTemplate")),
        ["!(has(self.spec) && has(self.overrides))"] = (s, _) => !(Has(s, "spec") && Has(s, "overrides")),
        ["!(has(self.spec) && has(self.shardTemplate))"] = (s, _) => !(Has(s, "spec") && Has(s, "shardTemplate")),
        ["!(has(self.spec) && has(self.templateRef))"] = (s, _) => !(Has(s, "spec") && Has(s, "templateRef")),
        ["has(self.spec) || has(self.templateRef)"] = (s, _) => Has(s, "spec") || Has(s, "templateRef"),
        ["!(has(self.zoneId) && has(self.region))"] = (s, _) => !(Has(s, "zoneId") && Has(s, "region")),
        ["has(self.zoneId) || has(self.region)"] = (s, _) => Has(s, "zoneId") || Has(s, "region"),
        ["[has(self.etcd), has(self.external), has(self.templateRef)].filter(x, x).size() == 1"] =
            (s, _) => new[] { Has(s, "etcd"), Has(s, "external"), Has(s, "templateRef") }.Count(x => x) == 1,

        // S3 credentials: IRSA, a static Secret and environment credentials exclude each other.
        ["!(has(self.serviceAccountName) && size(self.serviceAccountName) > 0 && has(self.credentialsSecret) && size(self.credentialsSecret) > 0)"] =
            (s, _) => !(NonEmpty(s, "serviceAccountName") && NonEmpty(s, "credentialsSecret")),
        ["!(has(self.serviceAccountName) && size(self.serviceAccountName) > 0 && has(self.useEnvCredentials) && self.useEnvCredentials)"] =
            (s, _) => !(NonEmpty(s, "serviceAccountName") && Has(s, "useEnvCredentials") && Bool(s, "useEnvCredentials")),

        // Backup configuration.
        ["self.type != 's3' || has(self.s3)"] = (s, _) => Str(s, "type") != "s3" || Has(s, "s3"),
        ["self.type != 'filesystem' || has(self.filesystem)"] = (s, _) => Str(s, "type") != "filesystem" || Has(s, "filesystem"),
        ["has(self.encryption) == has(oldSelf.encryption) && (!has(self.encryption) || self.encryption == oldSelf.encryption)"] =
            (s, o) => Has(s, "encryption") == Has(o!, "encryption") && (!Has(s, "encryption") || JsonNode.DeepEquals(s["encryption"], o!["encryption"])),

        // Reserved annotation prefix on externally exposed Services.
        ["!has(self.annotations) || self.annotations.all(k, !k.startsWith('multigres.com/'))"] =
            (s, _) => !Has(s, "annotations") || Object(s["annotations"]).All(kv => !kv.Key.StartsWith("multigres.com/", StringComparison.Ordinal)),

        // Databases, table groups and shards of this API version.
        ["self.all(db, db.name == 'postgres' && db.default == true)"] =
            (s, _) => Array(s).All(db => Str(db, "name") == "postgres" && Bool(db, "default")),
        ["self.filter(x, has(x.default) && x.default).size() == 1"] =
            (s, _) => Array(s).Count(x => x is not null && Has(x, "default") && Bool(x, "default")) == 1,
        ["!has(self.default) || !self.default || self.name == 'default'"] =
            (s, _) => !Has(s, "default") || !Bool(s, "default") || Str(s, "name") == "default",
        ["self == '0-inf'"] = (s, _) => s.GetValue<string>() == "0-inf",

        // Map key and value lengths.
        ["self.all(k, size(k) < 64 && size(self[k]) < 256)"] = (s, _) => Object(s).All(kv => Size(kv.Key) < 64 && Size(kv.Value) < 256),
        ["self.all(k, size(k) < 64 && size(self[k]) < 64)"] = (s, _) => Object(s).All(kv => Size(kv.Key) < 64 && Size(kv.Value) < 64),
        ["self.all(key, size(key) < 63)"] = (s, _) => Object(s).All(kv => Size(kv.Key) < 63),
        ["self.all(key, size(key) <= 25)"] = (s, _) => Object(s).All(kv => Size(kv.Key) <= 25),

        // Append-only collections (transition rules).
        ["oldSelf.all(c, c in self)"] = (s, o) => Array(o!).All(c => Array(s).Any(x => JsonNode.DeepEquals(x, c))),
        ["oldSelf.all(k, k in self)"] = (s, o) => Object(o!).All(kv => Object(s).ContainsKey(kv.Key)),
        ["oldSelf.all(c, c.name in self.map(x, x.name))"] = (s, o) => Array(o!).All(c => Array(s).Any(x => Str(x, "name") == Str(c, "name"))),

        // Scalars.
        ["self % 2 == 1"] = (s, _) => s.GetValue<long>() % 2 == 1,
        ["self.all(x, x.matches('^https?://'))"] = (s, _) => Array(s).All(x => x is JsonValue v && (v.GetValue<string>().StartsWith("http://", StringComparison.Ordinal) || v.GetValue<string>().StartsWith("https://", StringComparison.Ordinal))),
        ["self.metadata.name.size() <= 25"] = (s, _) => Size(s["metadata"]?["name"]) <= 25,
    };

    /// <summary>Checks an object of any Multigres kind against its schema's rules (old is null on CREATE).</summary>
    public static IReadOnlyList<SchemaError> Check(JsonNode value, JsonNode? old, Kubernetes.Models.JsonSchemaProps schema) =>
        ValidationRuleWalker.Validate(value, old, schema, Rules);

    private static bool Has(JsonNode node, string name) => node is JsonObject obj && obj[name] is not null;

    private static bool NonEmpty(JsonNode node, string name) => Has(node, name) && Size(node[name]) > 0;

    private static string? Str(JsonNode? node, string name) =>
        node?[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    // `x.default` on an absent field is an evaluation error in CEL; false gives the same verdict.
    private static bool Bool(JsonNode? node, string name) => node?[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static JsonArray Array(JsonNode node) => node as JsonArray ?? throw new InvalidOperationException("expected a list");

    private static JsonObject Object(JsonNode? node) => node as JsonObject ?? throw new InvalidOperationException("expected a map");

    private static int Size(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Size(v.GetValue<string>()),
        _ => throw new InvalidOperationException("size() of a non-string"),
    };

    private static int Size(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
            count++;
        return count;
    }
}
