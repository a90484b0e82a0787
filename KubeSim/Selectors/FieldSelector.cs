using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Http;

namespace MultigresOrleans.KubeSim.Selectors;

/// <summary>
/// A parsed `fieldSelector`: `metadata.name` and `metadata.namespace` with = / == / != (the fields
/// every resource supports; kubectl's delete --wait and the informers use them), plus a few
/// common per-kind fields such as `status.phase` and `spec.nodeName` for pods.
/// </summary>
public sealed class FieldSelector
{
    private sealed record Term(string Field, bool Negated, string Value);

    private readonly List<Term> terms;

    private FieldSelector(List<Term> terms) => this.terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    private static readonly HashSet<string> Supported = ["metadata.name", "metadata.namespace", "status.phase", "spec.nodeName", "involvedObject.name", "involvedObject.kind", "involvedObject.uid", "type"];

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Everything;
        var result = new List<Term>();
        foreach (var raw in text.Split(','))
        {
            var p = raw.Trim();
            if (p.Length == 0)
                continue;
            Term term;
            var ne = p.IndexOf("!=", StringComparison.Ordinal);
            if (ne > 0)
                term = new Term(p[..ne], true, p[(ne + 2)..]);
            else if (p.IndexOf("==", StringComparison.Ordinal) is var eqeq and > 0)
                term = new Term(p[..eqeq], false, p[(eqeq + 2)..]);
            else if (p.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
                term = new Term(p[..eq], false, p[(eq + 1)..]);
            else
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{p}'");
            if (!Supported.Contains(term.Field))
                throw ApiException.BadRequest($"field label not supported: {term.Field}");
            result.Add(term);
        }
        return new FieldSelector(result);
    }

    public bool Matches(JsonObject obj)
    {
        foreach (var t in terms)
        {
            JsonNode? node = obj;
            foreach (var segment in t.Field.Split('.'))
                node = node?[segment];
            var value = node is JsonValue v ? v.ToString() : "";
            if ((value == t.Value) == t.Negated)
                return false;
        }
        return true;
    }
}
