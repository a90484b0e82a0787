using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Tables;

/// <summary>
/// The JSONPath subset CRD printer columns and `kubectl wait --for=jsonpath` use: field steps
/// (<c>.a.b</c>), indexes (<c>[0]</c>, <c>[-1]</c>), wildcards (<c>[*]</c>), bracketed names
/// (<c>['x.y']</c>) and equality filters (<c>[?(@.type=='Ready')]</c>, <c>!=</c>, numbers,
/// nested <c>@.a.b</c>). Evaluation returns every match; printing joins them with spaces like
/// client-go's jsonpath printer.
/// </summary>
public sealed class JsonPathExpression
{
    private abstract record Step;
    private sealed record Field(string Name) : Step;
    private sealed record Index(int Value) : Step;
    private sealed record Wildcard : Step;
    private sealed record Filter(List<Step> Left, string Op, JsonNode? Right, bool Exists) : Step;

    private readonly List<Step> steps;

    private JsonPathExpression(List<Step> steps) => this.steps = steps;

    public static JsonPathExpression Parse(string text)
    {
        var t = text.Trim();
        if (t.StartsWith('{') && t.EndsWith('}'))
            t = t[1..^1].Trim();
        if (t.StartsWith('$'))
            t = t[1..];
        var pos = 0;
        return new JsonPathExpression(ParseSteps(t, ref pos, stopAtClose: false));
    }

    private static List<Step> ParseSteps(string t, ref int pos, bool stopAtClose)
    {
        var result = new List<Step>();
        while (pos < t.Length)
        {
            var c = t[pos];
            if (stopAtClose && (c == ')' || c == '=' || c == '!' || c == ' ' || c == '<' || c == '>'))
                break;
            if (c == '.')
            {
                pos++;
                var start = pos;
                while (pos < t.Length && t[pos] != '.' && t[pos] != '[' && !(stopAtClose && (t[pos] is ')' or '=' or '!' or ' ' or '<' or '>')))
                    pos++;
                var name = t[start..pos];
                if (name == "*")
                    result.Add(new Wildcard());
                else if (name.Length > 0)
                    result.Add(new Field(name));
            }
            else if (c == '[')
            {
                pos++;
                if (t[pos] == '?')
                {
                    // [?(@.a.b == 'x')]
                    pos++;
                    Expect(t, ref pos, '(');
                    SkipSpaces(t, ref pos);
                    Expect(t, ref pos, '@');
                    var left = ParseSteps(t, ref pos, stopAtClose: true);
                    SkipSpaces(t, ref pos);
                    if (t[pos] == ')')
                    {
                        pos++;
                        Expect(t, ref pos, ']');
                        result.Add(new Filter(left, "", null, Exists: true));
                        continue;
                    }
                    var opStart = pos;
                    while (pos < t.Length && t[pos] is '=' or '!' or '<' or '>')
                        pos++;
                    var op = t[opStart..pos];
                    SkipSpaces(t, ref pos);
                    var right = ParseLiteral(t, ref pos);
                    SkipSpaces(t, ref pos);
                    Expect(t, ref pos, ')');
                    Expect(t, ref pos, ']');
                    result.Add(new Filter(left, op, right, Exists: false));
                }
                else
                {
                    var close = t.IndexOf(']', pos);
                    var inner = t[pos..close].Trim();
                    pos = close + 1;
                    if (inner == "*")
                        result.Add(new Wildcard());
                    else if (inner.StartsWith('\'') || inner.StartsWith('"'))
                        result.Add(new Field(inner[1..^1]));
                    else
                        result.Add(new Index(int.Parse(inner, CultureInfo.InvariantCulture)));
                }
            }
            else
            {
                // A path that starts without a dot ("status.phase") is read as if it had one.
                var start = pos;
                while (pos < t.Length && t[pos] != '.' && t[pos] != '[')
                    pos++;
                result.Add(new Field(t[start..pos]));
            }
        }
        return result;
    }

    private static JsonNode? ParseLiteral(string t, ref int pos)
    {
        if (t[pos] is '\'' or '"')
        {
            var quote = t[pos];
            var end = t.IndexOf(quote, pos + 1);
            var s = t[(pos + 1)..end];
            pos = end + 1;
            return JsonValue.Create(s);
        }
        var start = pos;
        while (pos < t.Length && t[pos] != ')' && t[pos] != ' ')
            pos++;
        var raw = t[start..pos];
        return raw switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? JsonValue.Create(d) : JsonValue.Create(raw),
        };
    }

    private static void SkipSpaces(string t, ref int pos)
    {
        while (pos < t.Length && t[pos] == ' ')
            pos++;
    }

    private static void Expect(string t, ref int pos, char c)
    {
        if (pos >= t.Length || t[pos] != c)
            throw new FormatException($"unexpected character at {pos} in JSONPath '{t}', expected '{c}'");
        pos++;
    }

    public IReadOnlyList<JsonNode?> Evaluate(JsonNode? root) => Evaluate(root, steps);

    private static List<JsonNode?> Evaluate(JsonNode? root, List<Step> steps)
    {
        var current = new List<JsonNode?> { root };
        foreach (var step in steps)
        {
            var next = new List<JsonNode?>();
            foreach (var node in current)
            {
                switch (step)
                {
                    case Field f when node is JsonObject o && o.TryGetPropertyValue(f.Name, out var child):
                        next.Add(child);
                        break;
                    case Index i when node is JsonArray a:
                        var index = i.Value < 0 ? a.Count + i.Value : i.Value;
                        if (index >= 0 && index < a.Count)
                            next.Add(a[index]);
                        break;
                    case Wildcard when node is JsonArray a:
                        next.AddRange(a);
                        break;
                    case Wildcard when node is JsonObject o:
                        next.AddRange(o.Select(p => p.Value));
                        break;
                    case Filter filter when node is JsonArray a:
                        next.AddRange(a.Where(item => Matches(item, filter)));
                        break;
                }
            }
            current = next;
        }
        return current;
    }

    private static bool Matches(JsonNode? item, Filter filter)
    {
        var values = Evaluate(item, filter.Left);
        if (filter.Exists)
            return values.Count > 0;
        if (values.Count == 0)
            return false;
        var left = values[0];
        var equal = Equal(left, filter.Right);
        return filter.Op switch
        {
            "==" => equal,
            "!=" => !equal,
            ">" or "<" or ">=" or "<=" => Compare(left, filter.Right, filter.Op),
            _ => false,
        };
    }

    private static bool Equal(JsonNode? left, JsonNode? right)
    {
        if (left is JsonValue l && right is JsonValue r)
        {
            if (l.GetValueKind() == JsonValueKind.Number && r.GetValueKind() == JsonValueKind.Number)
                return JsonNumbers.TryGetDouble(l, out var a) && JsonNumbers.TryGetDouble(r, out var b) && a == b;
            return Format(l) == Format(r);
        }
        return JsonNode.DeepEquals(left, right);
    }

    private static bool Compare(JsonNode? left, JsonNode? right, string op)
    {
        if (left is not JsonValue l || right is not JsonValue r || l.GetValueKind() != JsonValueKind.Number || r.GetValueKind() != JsonValueKind.Number)
            return false;
        JsonNumbers.TryGetDouble(l, out var a);
        JsonNumbers.TryGetDouble(r, out var b);
        return op switch { ">" => a > b, "<" => a < b, ">=" => a >= b, _ => a <= b };
    }

    /// <summary>How client-go's jsonpath prints one value: strings bare, everything else as JSON.</summary>
    public static string Format(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    public static string Print(IReadOnlyList<JsonNode?> results)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < results.Count; i++)
        {
            if (i > 0)
                sb.Append(' ');
            sb.Append(Format(results[i]));
        }
        return sb.ToString();
    }
}
