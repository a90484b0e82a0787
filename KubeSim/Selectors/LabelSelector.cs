using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Http;

namespace MultigresOrleans.KubeSim.Selectors;

/// <summary>
/// A parsed `labelSelector` query: comma-separated requirements with =, ==, !=, in, notin,
/// exists (`key`) and does-not-exist (`!key`), all of which must hold.
/// </summary>
public sealed class LabelSelector
{
    private enum Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist }

    private sealed record Requirement(string Key, Op Op, IReadOnlyList<string> Values);

    private readonly List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) => this.requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Everything;
        var result = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var p = part.Trim();
            if (p.Length == 0)
                continue;
            result.Add(ParseRequirement(p));
        }
        return new LabelSelector(result);
    }

    private static Requirement ParseRequirement(string p)
    {
        var notin = p.IndexOf(" notin ", StringComparison.Ordinal);
        if (notin > 0)
            return new Requirement(p[..notin].Trim(), Op.NotIn, ParseSet(p[(notin + 7)..]));
        var inIndex = p.IndexOf(" in ", StringComparison.Ordinal);
        if (inIndex > 0)
            return new Requirement(p[..inIndex].Trim(), Op.In, ParseSet(p[(inIndex + 4)..]));
        var ne = p.IndexOf("!=", StringComparison.Ordinal);
        if (ne > 0)
            return new Requirement(p[..ne].Trim(), Op.NotEquals, [p[(ne + 2)..].Trim()]);
        var eqeq = p.IndexOf("==", StringComparison.Ordinal);
        if (eqeq > 0)
            return new Requirement(p[..eqeq].Trim(), Op.Equals, [p[(eqeq + 2)..].Trim()]);
        var eq = p.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
            return new Requirement(p[..eq].Trim(), Op.Equals, [p[(eq + 1)..].Trim()]);
        if (p.StartsWith('!'))
            return new Requirement(p[1..].Trim(), Op.DoesNotExist, []);
        if (p.Contains(' ', StringComparison.Ordinal) || p.Contains('(', StringComparison.Ordinal))
            throw ApiException.BadRequest($"unable to parse requirement: found '{p}', expected: in, notin, =, ==, !=, gt, lt");
        return new Requirement(p, Op.Exists, []);
    }

    private static List<string> ParseSet(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith('(') || !t.EndsWith(')'))
            throw ApiException.BadRequest($"unable to parse requirement: found '{t}', expected: '('");
        return [.. t[1..^1].Split(',').Select(v => v.Trim())];
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
                depth++;
            else if (text[i] == ')')
                depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    public bool Matches(JsonObject obj)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (var r in requirements)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetPropertyValue(r.Key, out var node) && (value = node?.GetValue<string>()) is not null;
            var ok = r.Op switch
            {
                Op.Equals => has && value == r.Values[0],
                Op.NotEquals => !has || value != r.Values[0],
                Op.In => has && r.Values.Contains(value),
                Op.NotIn => !has || !r.Values.Contains(value),
                Op.Exists => has,
                Op.DoesNotExist => !has,
                _ => false,
            };
            if (!ok)
                return false;
        }
        return true;
    }
}
