using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace MultigresOrleans.Grains.DataPlane;

/// <summary>
/// The parts of the gRPC-over-HTTP/2 protocol (grpc/doc/PROTOCOL-HTTP2.md) a unary client needs, as pure functions:
/// the 5-byte message prefix, the <c>grpc-timeout</c> header, <c>grpc-message</c> percent-encoding, and the status a
/// non-gRPC HTTP answer or an HTTP/2 stream reset stands for.
/// </summary>
public static class GrpcWire
{
    /// <summary>Compressed-flag byte plus a 4-byte big-endian length.</summary>
    public const int PrefixLength = 5;

    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";

    /// <summary>One length-prefixed, uncompressed message.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        var frame = new byte[PrefixLength + message.Length];
        frame[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)message.Length);
        message.CopyTo(frame.AsSpan(PrefixLength));
        return frame;
    }

    /// <summary>Reads a prefix: whether the message is compressed and how long it is.</summary>
    public static (bool Compressed, uint Length) ReadPrefix(ReadOnlySpan<byte> prefix) =>
        (prefix[0] != 0, BinaryPrimitives.ReadUInt32BigEndian(prefix[1..PrefixLength]));

    /// <summary>
    /// A <c>grpc-timeout</c> value: at most 8 digits and a unit. The finest of milliseconds, seconds, minutes and hours
    /// that fits is used, rounded up so the server never gives up before the client does. A non-positive timeout is 1 ms.
    /// </summary>
    public static string FormatTimeout(TimeSpan timeout)
    {
        const long maxValue = 99_999_999;
        var ms = Math.Max(1L, (long)Math.Ceiling(timeout.TotalMilliseconds));
        if (ms <= maxValue) return ms.ToString(CultureInfo.InvariantCulture) + "m";
        var s = (ms + 999) / 1000;
        if (s <= maxValue) return s.ToString(CultureInfo.InvariantCulture) + "S";
        var m = (s + 59) / 60;
        if (m <= maxValue) return m.ToString(CultureInfo.InvariantCulture) + "M";
        return Math.Min((m + 59) / 60, maxValue).ToString(CultureInfo.InvariantCulture) + "H";
    }

    /// <summary>
    /// Decodes a <c>grpc-message</c>: <c>%XX</c> sequences are bytes of UTF-8 text. A <c>%</c> not followed by two hex
    /// digits is kept as it is, and invalid UTF-8 becomes U+FFFD, as the protocol tells a client to be lenient.
    /// </summary>
    public static string PercentDecode(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Contains('%', StringComparison.Ordinal))
            return value ?? string.Empty;
        var bytes = new List<byte>(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
            {
                bytes.Add((byte)((Uri.FromHex(value[i + 1]) << 4) | Uri.FromHex(value[i + 2])));
                i += 2;
                continue;
            }

            if (char.IsSurrogatePair(value, i))
            {
                var n = Encoding.UTF8.GetBytes(value.AsSpan(i, 2), utf8);
                bytes.AddRange(utf8[..n]);
                i++;
                continue;
            }

            var count = Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            bytes.AddRange(utf8[..count]);
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>Encodes a <c>grpc-message</c>: printable ASCII other than <c>%</c> as is, everything else as <c>%XX</c> UTF-8 bytes.</summary>
    public static string PercentEncode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
                sb.Append((char)b);
            else
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>
    /// The status an HTTP answer without <c>grpc-status</c> stands for (grpc/doc/http-grpc-status-mapping.md): what a
    /// proxy or a non-gRPC server in front of the port said.
    /// </summary>
    public static GrpcStatusCode StatusFromHttp(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>The status an HTTP/2 RST_STREAM error code stands for (grpc/doc/PROTOCOL-HTTP2.md, "Errors").</summary>
    public static GrpcStatusCode StatusFromHttp2Error(long errorCode) => errorCode switch
    {
        0x7 => GrpcStatusCode.Unavailable, // REFUSED_STREAM: the server did not process the request; safe to retry
        0x8 => GrpcStatusCode.Cancelled, // CANCEL
        0xB => GrpcStatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        0xC => GrpcStatusCode.PermissionDenied, // INADEQUATE_SECURITY
        _ => GrpcStatusCode.Internal, // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ... CONNECT_ERROR
    };
}
