using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>
/// resource.Quantity as it travels on the wire: a string such as <c>100m</c> or <c>1Gi</c>, or a
/// bare number in YAML (<c>cpu: 1</c>). The text is kept exactly as given so a round trip never
/// rewrites a user's value; arithmetic on quantities lives with the code that needs it.
/// </summary>
[JsonConverter(typeof(QuantityJsonConverter))]
public readonly record struct Quantity(string Value) : IOpenApiSchemaProvider
{
    /// <summary>The pattern Kubernetes publishes for quantities in CRD schemas.</summary>
    public const string Pattern =
        @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    public override string ToString() => Value;

    /// <summary>
    /// The numeric value (in base units: cores, bytes) of a quantity written with a binary suffix
    /// (Ki…Ei), a decimal suffix (n, u, m, k, M…E) or an exponent (1e3), as resource.ParseQuantity
    /// reads it. False when the text is not a quantity or does not fit a decimal.
    /// </summary>
    public bool TryGetValue(out decimal value)
    {
        value = 0;
        var text = Value ?? "";
        if (text.Length == 0 || !System.Text.RegularExpressions.Regex.IsMatch(text, Pattern))
            return false;

        var split = text.Length;
        while (split > 0 && !char.IsDigit(text[split - 1]) && text[split - 1] != '.')
            split--;
        // An exponent ends in digits, so it stays in the number ("1e3"); a lone trailing E is exa.
        var (number, suffix) = (text[..split], text[split..]);

        if (!decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var mantissa))
            return false;
        decimal multiplier = suffix switch
        {
            "" => 1m,
            "n" => 0.000000001m,
            "u" => 0.000001m,
            "m" => 0.001m,
            "k" => 1_000m,
            "M" => 1_000_000m,
            "G" => 1_000_000_000m,
            "T" => 1_000_000_000_000m,
            "P" => 1_000_000_000_000_000m,
            "E" => 1_000_000_000_000_000_000m,
            "Ki" => 1L << 10,
            "Mi" => 1L << 20,
            "Gi" => 1L << 30,
            "Ti" => 1L << 40,
            "Pi" => 1L << 50,
            "Ei" => 1L << 60,
            _ => 0m,
        };
        if (multiplier == 0m)
            return false;
        try
        {
            value = mantissa * multiplier;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    public static implicit operator Quantity(string value) => new(value);

    public static JsonSchemaProps OpenApiSchema() => new()
    {
        AnyOf = [new JsonSchemaProps { Type = "integer" }, new JsonSchemaProps { Type = "string" }],
        Pattern = Pattern,
        XKubernetesIntOrString = true,
    };
}

public sealed class QuantityJsonConverter : JsonConverter<Quantity>
{
    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => new Quantity(reader.GetString()!),
            JsonTokenType.Number => new Quantity(reader.TryGetInt64(out var l)
                ? l.ToString(CultureInfo.InvariantCulture)
                : reader.GetDouble().ToString(CultureInfo.InvariantCulture)),
            _ => throw new JsonException($"a quantity must be a string or a number, not {reader.TokenType}"),
        };

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}

/// <summary>
/// RFC 3339 times as the API server reads them: any RFC 3339 input, written in UTC in one fixed
/// layout. The layout is the only difference between metav1.Time and metav1.MicroTime.
/// </summary>
public abstract class Rfc3339TimeConverter(string layout) : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value))
            throw new JsonException($"'{text}' is not an RFC 3339 date-time");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString(layout, CultureInfo.InvariantCulture));
}

/// <summary>
/// metav1.Time on the wire: RFC 3339 in UTC with second precision (<c>2026-08-21T02:00:00Z</c>),
/// the form every Kubernetes component writes and kubectl shows.
/// </summary>
public sealed class KubernetesTimeConverter() : Rfc3339TimeConverter("yyyy-MM-dd'T'HH:mm:ss'Z'");
