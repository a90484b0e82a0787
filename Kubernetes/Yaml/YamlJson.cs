using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace MultigresOrleans.Kubernetes.Yaml;

/// <summary>
/// Converts between YAML manifests and JSON the way kubectl does (sigs.k8s.io/yaml over go-yaml v2):
/// a plain scalar becomes null, a boolean, an integer or a float when it reads as one under YAML 1.1
/// rules (so <c>enabled: yes</c> is <c>true</c> and <c>replicas: 3</c> is a number), a quoted scalar is
/// always a string. Keeping kubectl's reading matters: a manifest that kubectl sends as a number for a
/// string field is rejected by the API server, and our tools must say the same thing about it.
/// </summary>
public static partial class YamlJson
{
    private const string StrTag = "tag:yaml.org,2002:str";

    /// <summary>Parses every non-empty document of a multi-document YAML stream.</summary>
    public static IReadOnlyList<JsonNode?> ParseDocuments(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new FormatException($"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's parser reports some malformed input (an unterminated flow sequence) this way.
            throw new FormatException("invalid YAML: the document is not well formed", e);
        }

        var documents = new List<JsonNode?>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Style: ScalarStyle.Plain } root && string.IsNullOrEmpty(root.Value))
                continue;
            documents.Add(ToJson(document.RootNode, "$"));
        }
        return documents;
    }

    /// <summary>Parses a single-document YAML text (JSON is YAML, so JSON text works too).</summary>
    public static JsonNode? Parse(string yaml)
    {
        var documents = ParseDocuments(yaml);
        return documents.Count switch
        {
            0 => null,
            1 => documents[0],
            _ => throw new FormatException($"expected one YAML document, found {documents.Count}"),
        };
    }

    private static JsonNode? ToJson(YamlNode node, string path) => node switch
    {
        YamlMappingNode mapping => MappingToJson(mapping, path),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select((c, i) => ToJson(c, $"{path}[{i}]")).ToArray()),
        YamlScalarNode scalar => ScalarToJson(scalar),
        _ => throw new FormatException($"unsupported YAML node at {path}"),
    };

    private static JsonObject MappingToJson(YamlMappingNode mapping, string path)
    {
        var obj = new JsonObject();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            // YamlDotNet already rejects duplicate keys while loading.
            var key = keyNode is YamlScalarNode k ? k.Value ?? "" : throw new FormatException($"non-scalar mapping key at {path}");
            obj[key] = ToJson(valueNode, $"{path}.{key}");
        }
        return obj;
    }

    private static JsonNode? ScalarToJson(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag == StrTag || (tag is null && scalar.Style != ScalarStyle.Plain))
            return JsonValue.Create(text);
        return ResolvePlain(text) ?? (IsNull(text) ? null : JsonValue.Create(text));
    }

    private static bool IsNull(string text) => text is "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The typed value a plain scalar resolves to, or null when it stays a string (or is null).</summary>
    internal static JsonNode? ResolvePlain(string text)
    {
        if (IsNull(text))
            return null;
        switch (text)
        {
            case "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON":
                return JsonValue.Create(true);
            case "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF":
                return JsonValue.Create(false);
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF" or ".nan" or ".NaN" or ".NAN":
                // JSON has no infinities: kubectl fails to convert these; keep the text.
                return null;
        }

        var plain = text.Replace("_", "", StringComparison.Ordinal);
        if (DecimalInteger().IsMatch(plain) && long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return JsonValue.Create(l);
        if (HexInteger().Match(plain) is { Success: true } hex)
        {
            var magnitude = long.Parse(hex.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return JsonValue.Create(hex.Groups[1].Value == "-" ? -magnitude : magnitude);
        }
        if (OctalInteger().Match(plain) is { Success: true } octal)
        {
            var magnitude = Convert.ToInt64(octal.Groups[2].Value, 8);
            return JsonValue.Create(octal.Groups[1].Value == "-" ? -magnitude : magnitude);
        }
        if (Float().IsMatch(plain) && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return JsonValue.Create(d);
        return null;
    }

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^([-+]?)0x([0-9a-fA-F]+)$")]
    private static partial Regex HexInteger();

    [GeneratedRegex(@"^([-+]?)0o?([0-7]+)$")]
    private static partial Regex OctalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    /// <summary>Writes a JSON value as one YAML document, quoting strings that would otherwise read back as another type.</summary>
    public static string ToYaml(JsonNode? node) => ToYamlDocuments([node]);

    /// <summary>Writes several values as a multi-document YAML stream separated by <c>---</c>.</summary>
    public static string ToYamlDocuments(IEnumerable<JsonNode?> nodes)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(writer, new EmitterSettings(2, int.MaxValue, false, 1024, false, false, "\n"));
        emitter.Emit(new StreamStart());
        var first = true;
        foreach (var node in nodes)
        {
            emitter.Emit(new DocumentStart(null, null, isImplicit: first));
            Emit(emitter, node);
            emitter.Emit(new DocumentEnd(isImplicit: true));
            first = false;
        }
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Any));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                    Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                EmitString(emitter, value.GetValue<string>());
                break;
            case JsonValue value:
                emitter.Emit(new Scalar(null, null, value.ToJsonString(), ScalarStyle.Plain, true, false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string text)
    {
        // Plain only when the text reads back as the same string; the emitter itself falls back to
        // quoting when a plain scalar is not allowed by YAML syntax.
        var plainIsSafe = text.Length > 0 && ResolvePlain(text) is null && !IsNull(text) && IsPlainSafe(text);
        emitter.Emit(new Scalar(null, null, text, plainIsSafe ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted, true, true));
    }

    // Plain style only for text made of characters no YAML reader treats specially anywhere in a
    // scalar; everything else is double-quoted. Narrower than the YAML grammar allows on purpose:
    // readers disagree at the edges (YamlDotNet misreads the key "a *"), and a quoted string is
    // never misread.
    private static bool IsPlainSafe(string text)
    {
        if (text[0] is ' ' or '-' || text[^1] == ' ')
            return false;
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ' ' or '-' or '_' or '.' or '/' or '(' or ')' or '$' or '^' or '=' or '+' or '~' or ';' or '<'))
                return false;
        }
        return true;
    }
}
