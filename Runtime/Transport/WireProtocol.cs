using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>
/// The wire format of one call (version 1).
/// <list type="bullet">
/// <item><c>POST /grain-call/v1</c>, HTTP/2 (h2c, prior knowledge).</item>
/// <item>Headers: <c>mgo-grain</c> (grain id <c>type/key</c>, percent-encoded), <c>mgo-method</c>
/// (<see cref="GrainMethod.WireId"/>, percent-encoded), <c>mgo-timestamp</c> (Unix ms of the caller's clock),
/// <c>mgo-nonce</c> (128 random bits, 32 hex digits), <c>mgo-signature</c> (base64 HMAC-SHA256).</item>
/// <item>Body: a JSON array with one element per declared parameter, each written with the parameter's declared type.</item>
/// <item>Response 200 with <c>mgo-outcome: ok</c>: the result as JSON of the declared return type (<c>null</c> for Task/ValueTask).
/// 200 with <c>mgo-outcome: error</c>, and 400/401/404/413/503: an error envelope <c>{"kind","type","message"}</c>.</item>
/// </list>
/// </summary>
internal static class WireProtocol
{
    public const string CallPath = "/grain-call/v1";
    public const string GrainHeader = "mgo-grain";
    public const string MethodHeader = "mgo-method";
    public const string TimestampHeader = "mgo-timestamp";
    public const string NonceHeader = "mgo-nonce";
    public const string SignatureHeader = "mgo-signature";
    public const string OutcomeHeader = "mgo-outcome";
    public const string OutcomeOk = "ok";
    public const string OutcomeError = "error";
    public const string JsonContentType = "application/json";

    private const string Scheme = "mgo-grain-call-v1";

    /// <summary>Web defaults plus the reflection resolver (documented fallback; use a JsonSerializerContext to avoid reflection).</summary>
    public static JsonSerializerOptions DefaultSerializerOptions { get; } = CreateDefaultOptions();

    public static JsonSerializerOptions Prepare(JsonSerializerOptions? options)
    {
        if (options is null)
            return DefaultSerializerOptions;
        // Freezes the options (so per-method JsonTypeInfo caches stay valid) and adds the reflection resolver only if none is set.
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string EncodeGrainId(GrainId grainId) => Uri.EscapeDataString(grainId.ToString());

    public static bool TryDecodeGrainId(string header, out GrainId grainId)
    {
        grainId = default;
        string text;
        try
        {
            text = Uri.UnescapeDataString(header);
        }
        catch (UriFormatException)
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
            return false;
        grainId = new GrainId(text[..slash], text[(slash + 1)..]);
        return true;
    }

    /// <summary>
    /// HMAC-SHA256 over <c>scheme \n target silo \n method \n grain \n timestamp \n nonce \n hex(SHA-256(body))</c>.
    /// The target silo is signed so a captured request cannot be replayed against another silo (each
    /// silo keeps its own nonce memory); the header values are signed exactly as sent.
    /// </summary>
    public static void Sign(ReadOnlySpan<byte> key, string targetSilo, string methodHeader, string grainHeader, string timestamp, string nonce, ReadOnlySpan<byte> bodyHash, Span<byte> signature)
    {
        var canonical = string.Join('\n', Scheme, targetSilo, methodHeader, grainHeader, timestamp, nonce, Convert.ToHexStringLower(bodyHash));
        var bytes = Encoding.UTF8.GetBytes(canonical);
        HMACSHA256.HashData(key, bytes, signature);
    }

    public static string NewNonce()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return Convert.ToHexStringLower(random);
    }

    public static string Timestamp(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public static byte[] WriteError(string kind, string type, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", kind);
            writer.WriteString("type", type);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an error envelope; a body that is not one yields kind "unknown" with the raw text (truncated).</summary>
    public static (string Kind, string Type, string Message) ReadError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            string? kind = null, type = null, message = null;
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString();
                    reader.Read();
                    var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                    switch (name)
                    {
                        case "kind": kind = value; break;
                        case "type": type = value; break;
                        case "message": message = value; break;
                        default: break;
                    }
                }
            }

            if (kind is not null)
                return (kind, type ?? "", message ?? "");
        }
        catch (JsonException)
        {
        }

        var text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 512)]);
        return ("unknown", "", text);
    }

    private static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>
/// The JSON shape of one grain method, resolved once per method and serializer options: a
/// <see cref="JsonTypeInfo"/> per declared parameter type and one for the declared result type.
/// </summary>
internal sealed class MethodCodec
{
    private readonly JsonTypeInfo[] parameters;
    private readonly JsonTypeInfo? result;

    private MethodCodec(JsonTypeInfo[] parameters, JsonTypeInfo? result)
    {
        this.parameters = parameters;
        this.result = result;
    }

    public static MethodCodec Create(GrainMethod method, JsonSerializerOptions options)
    {
        var parameterTypes = method.Method.GetParameters().Select(p => options.GetTypeInfo(p.ParameterType)).ToArray();
        var returnType = method.Method.ReturnType;
        var resultType = returnType.IsGenericType ? returnType.GetGenericArguments()[0] : null; // Task<T>/ValueTask<T> → T; Task/ValueTask → none
        return new MethodCodec(parameterTypes, resultType is null ? null : options.GetTypeInfo(resultType));
    }

    public void WriteArguments(IBufferWriter<byte> destination, object?[] args)
    {
        if (args.Length != parameters.Length)
            throw new ArgumentException($"expected {parameters.Length} arguments, got {args.Length}", nameof(args));
        using var writer = new Utf8JsonWriter(destination);
        writer.WriteStartArray();
        for (var i = 0; i < parameters.Length; i++)
            JsonSerializer.Serialize(writer, args[i], parameters[i]);
        writer.WriteEndArray();
    }

    /// <summary>Reads exactly one JSON array with one element per parameter; anything else throws <see cref="JsonException"/>.</summary>
    public object?[] ReadArguments(ReadOnlySequence<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("the body must be a JSON array of the arguments");
        var args = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
                throw new JsonException($"expected {parameters.Length} arguments, got {i}");
            args[i] = JsonSerializer.Deserialize(ref reader, parameters[i]);
            if (args[i] is null && parameters[i].Type.IsValueType && Nullable.GetUnderlyingType(parameters[i].Type) is null)
                throw new JsonException($"argument {i} of type {parameters[i].Type.Name} cannot be null");
        }

        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            throw new JsonException($"expected {parameters.Length} arguments, got more");
        if (reader.Read())
            throw new JsonException("unexpected data after the argument array");
        return args;
    }

    public byte[] WriteResult(object? value) =>
        result is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(value, result);

    public object? ReadResult(ReadOnlySpan<byte> body)
    {
        if (result is null)
            return null;
        var value = JsonSerializer.Deserialize(body, result);
        if (value is null && result.Type.IsValueType && Nullable.GetUnderlyingType(result.Type) is null)
            throw new JsonException($"the result of type {result.Type.Name} cannot be null");
        return value;
    }
}
