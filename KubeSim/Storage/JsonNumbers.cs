using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Storage;

/// <summary>
/// Number access that works whether a JsonValue was parsed from text (JsonElement-backed) or
/// created in code from an int, long or double: JsonValue.GetValue&lt;T&gt; only converts the former.
/// </summary>
public static class JsonNumbers
{
    public static bool TryGetLong(JsonNode? node, out long value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryGetDouble(JsonNode? node, out double value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static long LongOr(JsonNode? node, long fallback) => TryGetLong(node, out var v) ? v : fallback;

    public static bool IsTrue(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>Re-parses a node so every value is JsonElement-backed (what the lead's validator expects).</summary>
    public static JsonObject Normalize(JsonObject obj) => (JsonObject)JsonNode.Parse(obj.ToJsonString())!;
}
