using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;

namespace MultigresOrleans.KubeSim.Tests.DataPlane;

/// <summary>The outcome of one unary call: the gRPC status, its decoded message, and the response when OK.</summary>
public sealed record GrpcResult<T>(int Status, string Message, T? Response, bool TrailersOnly)
    where T : class
{
    public T Ok => Status == 0 && Response is not null ? Response : throw new InvalidOperationException($"expected OK, got grpc-status {Status}: {Message}");
}

/// <summary>
/// A tiny gRPC caller written independently of KubeSim's server code, the way the operator calls a
/// pooler: HTTP/2 prior knowledge over cleartext, a request URI that keeps the pooler's real host name
/// and port (so it becomes the :authority), and a connect callback that dials the KubeSim listener instead.
/// </summary>
public sealed class GrpcTestClient : IDisposable
{
    private readonly HttpClient http;

    public GrpcTestClient(int kubeSimGrpcPort)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, kubeSimGrpcPort), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<GrpcResult<T>> CallAsync<T>(string authority, string path, IMessage request, MessageParser<T> parser, CancellationToken ct = default)
        where T : class, IMessage<T>
    {
        var payload = request.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        using var message = new HttpRequestMessage(HttpMethod.Post, $"http://{authority}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        message.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"gRPC answers use HTTP 200; got {(int)response.StatusCode}");
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        var trailersOnly = response.Headers.Contains("grpc-status");
        var headers = trailersOnly ? (HttpHeaders)response.Headers : response.TrailingHeaders;
        var status = headers.TryGetValues("grpc-status", out var s) ? int.Parse(s.Single(), System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("no grpc-status in headers or trailers");
        var text = headers.TryGetValues("grpc-message", out var m) ? Uri.UnescapeDataString(m.Single()) : "";
        if (status != 0)
            return new GrpcResult<T>(status, text, null, trailersOnly);
        if (body.Length < 5 || body[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4)) != body.Length - 5)
            throw new InvalidOperationException($"malformed gRPC response body of {body.Length} bytes");
        return new GrpcResult<T>(0, text, parser.ParseFrom(body.AsSpan(5)), trailersOnly);
    }

    public void Dispose() => http.Dispose();
}
