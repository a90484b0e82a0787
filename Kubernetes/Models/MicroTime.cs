using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Kubernetes.Models;

/// <summary>
/// metav1.MicroTime on the wire: RFC 3339 with exactly six fractional digits. The API server
/// parses Lease and events.k8s.io timestamps with this layout, so the second-precision form of
/// <see cref="KubernetesTimeConverter"/> would be rejected there.
/// </summary>
public sealed class KubernetesMicroTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value))
            throw new JsonException($"'{text}' is not an RFC 3339 date-time");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
}
