using System.Buffers.Binary;
using System.Text;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>The gRPC status codes the fake answers with (the same numbers as mtrpc.Code 0-16, §3).</summary>
public enum GrpcStatus
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    FailedPrecondition = 9,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
}

/// <summary>A gRPC error to send as a status (never as an HTTP error: gRPC errors travel in grpc-status on a 200).</summary>
public sealed class GrpcError(GrpcStatus status, string message) : Exception(message)
{
    public GrpcStatus Status { get; } = status;
}

/// <summary>
/// The gRPC-over-HTTP/2 wire format, just enough for unary calls: each message is a 5-byte prefix
/// (compressed flag, 4-byte big-endian length) then the protobuf bytes; the outcome is the
/// <c>grpc-status</c> / <c>grpc-message</c> pair, the latter percent-encoded.
/// </summary>
public static class GrpcWire
{
    public const string ContentType = "application/grpc";

    /// <summary>Largest request the fake accepts; far above any GetBackups/ReloadConfig request.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        var framed = new byte[5 + message.Length];
        framed[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1, 4), (uint)message.Length);
        message.CopyTo(framed.AsSpan(5));
        return framed;
    }

    /// <summary>Exactly one uncompressed message in a unary request body; otherwise a gRPC error that says why.</summary>
    public static byte[] ReadUnary(ReadOnlySpan<byte> body)
    {
        if (body.Length < 5)
            throw new GrpcError(GrpcStatus.Internal, $"request body of {body.Length} bytes holds no complete gRPC frame (needs a 5-byte prefix)");
        if (body[0] != 0)
            throw new GrpcError(GrpcStatus.Unimplemented, "compressed gRPC messages are not supported by the KubeSim data plane (send grpc-encoding identity)");
        var length = BinaryPrimitives.ReadUInt32BigEndian(body.Slice(1, 4));
        if (length > MaxMessageBytes)
            throw new GrpcError(GrpcStatus.Internal, $"gRPC message of {length} bytes exceeds the limit of {MaxMessageBytes}");
        if (body.Length != 5 + length)
            throw new GrpcError(GrpcStatus.Internal, $"gRPC frame declares {length} bytes but the body carries {body.Length - 5} (a unary call sends exactly one message)");
        return body.Slice(5, (int)length).ToArray();
    }

    /// <summary>Percent-encoding of grpc-message: bytes outside printable ASCII, and '%' itself.</summary>
    public static string EncodeMessage(string message)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7e && b != (byte)'%')
                builder.Append((char)b);
            else
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    public static string DecodeMessage(string encoded)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length
                && byte.TryParse(encoded.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(encoded[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
