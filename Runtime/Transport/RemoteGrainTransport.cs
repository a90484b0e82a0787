using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Runtime.Membership;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>
/// Client side of the HTTP/2 transport: one POST per call to the target silo's endpoint (from the
/// <see cref="ISiloDirectory"/>), signed with the shared key, over one pooled
/// <see cref="SocketsHttpHandler"/> (HTTP/2 multiplexing, several connections per silo when needed).
/// <para>
/// At-most-once: this class never retries. A call that could not even connect (no endpoint, DNS
/// failure, connection refused, connect timeout) certainly did not run and becomes
/// <see cref="SiloUnavailableException"/>, which the <see cref="GrainRouter"/> retries after a newer
/// partition map. Anything after the request may have left — reset mid-response, protocol error —
/// is <see cref="GrainCallOutcomeUnknownException"/>; no answer within the call timeout is
/// <see cref="TimeoutException"/>. Neither is retried. (SocketsHttpHandler itself re-sends an HTTP/2
/// request only when the server refused its stream — REFUSED_STREAM or a GOAWAY below the stream id —
/// which the protocol guarantees was not processed.)
/// </para>
/// </summary>
internal sealed class RemoteGrainTransport : IGrainTransport, IDisposable
{
    private readonly ISiloDirectory directory;
    private readonly byte[] key;
    private readonly JsonSerializerOptions serializer;
    private readonly TimeProvider time;
    private readonly TimeSpan callTimeout;
    private readonly long maxRequestBodySize;
    private readonly ILogger logger;
    private readonly HttpClient client;
    private readonly ConcurrentDictionary<GrainMethod, MethodCodec> codecs = new();

    public RemoteGrainTransport(
        ISiloDirectory directory,
        ReadOnlyMemory<byte> sharedKey,
        JsonSerializerOptions? serializerOptions,
        TimeProvider time,
        TimeSpan callTimeout,
        long maxRequestBodySize,
        TimeSpan connectTimeout,
        ILogger logger)
    {
        Http2TransportOptions.ValidateKey(sharedKey);
        this.directory = directory;
        key = sharedKey.ToArray();
        serializer = WireProtocol.Prepare(serializerOptions);
        this.time = time;
        this.callTimeout = callTimeout;
        this.maxRequestBodySize = maxRequestBodySize;
        this.logger = logger;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            UseProxy = false, // silo-to-silo traffic stays inside the cluster network; an HTTP proxy would break h2c
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        client = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan, // the per-call timeout runs on the injected TimeProvider (below)
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public async Task<object?> SendAsync(string targetSilo, GrainId grainId, GrainMethod method, object?[] args)
    {
        var endpoint = directory.EndpointOf(targetSilo)
            ?? throw new SiloUnavailableException($"silo {targetSilo} has no call endpoint in the directory", new InvalidOperationException("no endpoint"));
        var codec = codecs.GetOrAdd(method, static (m, options) => MethodCodec.Create(m, options), serializer);

        var body = new ArrayBufferWriter<byte>(256);
        codec.WriteArguments(body, args);
        if (body.WrittenCount > maxRequestBodySize)
            throw new ArgumentException($"{method.Name} on {grainId}: the serialised arguments are {body.WrittenCount} bytes, over the transport's MaxRequestBodySize of {maxRequestBodySize}", nameof(args));

        var methodHeader = Uri.EscapeDataString(method.WireId);
        var grainHeader = WireProtocol.EncodeGrainId(grainId);
        var timestamp = WireProtocol.Timestamp(time);
        var nonce = WireProtocol.NewNonce();
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body.WrittenSpan, hash);
        Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes];
        WireProtocol.Sign(key, targetSilo, methodHeader, grainHeader, timestamp, nonce, hash, signature);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, WireProtocol.CallPath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ReadOnlyMemoryContent(body.WrittenMemory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(WireProtocol.JsonContentType);
        var headers = request.Headers;
        headers.TryAddWithoutValidation(WireProtocol.GrainHeader, grainHeader);
        headers.TryAddWithoutValidation(WireProtocol.MethodHeader, methodHeader);
        headers.TryAddWithoutValidation(WireProtocol.TimestampHeader, timestamp);
        headers.TryAddWithoutValidation(WireProtocol.NonceHeader, nonce);
        headers.TryAddWithoutValidation(WireProtocol.SignatureHeader, Convert.ToBase64String(signature));

        using var timeout = new CancellationTokenSource(callTimeout, time);
        HttpStatusCode status;
        string? outcome;
        byte[] answer;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            status = response.StatusCode;
            outcome = response.Headers.TryGetValues(WireProtocol.OutcomeHeader, out var values) ? values.FirstOrDefault() : null;
            answer = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"{method.Name} on {grainId}: silo {targetSilo} did not answer within {callTimeout} (SiloOptions.CallTimeout); the call may still run", exception);
        }
        catch (Exception exception) when (NeverSent(exception))
        {
            TransportLog.ConnectFailed(logger, targetSilo, endpoint, exception);
            throw new SiloUnavailableException($"silo {targetSilo} at {endpoint} could not be reached: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            TransportLog.OutcomeUnknown(logger, targetSilo, endpoint, exception);
            throw new GrainCallOutcomeUnknownException($"{method.Name} on {grainId}: the connection to silo {targetSilo} failed after the request may have been sent; the call may or may not have run", exception);
        }

        if (status == HttpStatusCode.OK && string.Equals(outcome, WireProtocol.OutcomeOk, StringComparison.Ordinal))
        {
            try
            {
                return codec.ReadResult(answer);
            }
            catch (JsonException exception)
            {
                throw new JsonException($"{method.Name} on {grainId}: the result from silo {targetSilo} could not be read (it ran): {exception.Message}", exception);
            }
        }

        var (kind, type, message) = WireProtocol.ReadError(answer);
        throw status switch
        {
            HttpStatusCode.OK when string.Equals(outcome, WireProtocol.OutcomeError, StringComparison.Ordinal) => FromEnvelope(kind, type, message, targetSilo),
            HttpStatusCode.Unauthorized => new GrainCallUnauthorizedException($"silo {targetSilo} refused the call's authentication: {message}"),
            HttpStatusCode.ServiceUnavailable => new SiloUnavailableException($"silo {targetSilo} refused the call: {message}", new InvalidOperationException(kind)),
            HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.RequestEntityTooLarge
                => new GrainCallRejectedException((int)status, $"silo {targetSilo} rejected {method.Name} on {grainId} ({(int)status}): {message}"),
            _ => new GrainCallOutcomeUnknownException($"{method.Name} on {grainId}: unexpected answer {(int)status} from {endpoint}: {message}"),
        };
    }

    public void Dispose() => client.Dispose();

    /// <summary>The request can not have reached a server: name resolution or TCP connect failed, or connecting timed out.</summary>
    private static bool NeverSent(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => true,
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError, InnerException: SocketException } => true,
        // SocketsHttpHandler.ConnectTimeout surfaces as a cancellation wrapping a TimeoutException (not our token: filtered above).
        OperationCanceledException { InnerException: TimeoutException } => true,
        _ => false,
    };

    /// <summary>Rebuilds the exception a grain (or the target runtime) threw; see <see cref="Http2TransportServer"/> for the kinds.</summary>
    internal static Exception FromEnvelope(string kind, string type, string message, string targetSilo) => kind switch
    {
        ErrorKinds.Moved => new GrainOwnershipMovedException(message),
        ErrorKinds.Unavailable => new SiloUnavailableException(message, new InvalidOperationException($"refused by {targetSilo}")),
        ErrorKinds.InconsistentState => new InconsistentStateException(message),
        ErrorKinds.Timeout => new TimeoutException(message),
        ErrorKinds.Argument => new ArgumentException(message),
        ErrorKinds.InvalidOperation => new InvalidOperationException(message),
        _ => new RemoteGrainException(type, message),
    };
}

/// <summary>The <c>kind</c> values of the error envelope.</summary>
internal static class ErrorKinds
{
    public const string Moved = "ownership-moved";
    public const string Unavailable = "silo-unavailable";
    public const string InconsistentState = "inconsistent-state";
    public const string Timeout = "timeout";
    public const string Argument = "argument";
    public const string InvalidOperation = "invalid-operation";
    public const string Remote = "remote";
    public const string Unauthorized = "unauthorized";
    public const string BadRequest = "bad-request";
    public const string TooLarge = "too-large";
    public const string UnknownMethod = "unknown-method";
    public const string NotFound = "not-found";
    public const string Busy = "busy";

    public static (string Kind, string Type, string Message) Of(Exception exception) => exception switch
    {
        GrainOwnershipMovedException => (Moved, exception.GetType().FullName!, exception.Message),
        SiloUnavailableException => (Unavailable, exception.GetType().FullName!, exception.Message),
        InconsistentStateException => (InconsistentState, exception.GetType().FullName!, exception.Message),
        TimeoutException => (Timeout, exception.GetType().FullName!, exception.Message),
        ArgumentException => (Argument, exception.GetType().FullName!, exception.Message),
        InvalidOperationException => (InvalidOperation, exception.GetType().FullName!, exception.Message),
        RemoteGrainException { RemoteType: { } remoteType, RemoteMessage: { } remoteMessage } => (Remote, remoteType, remoteMessage),
        _ => (Remote, exception.GetType().FullName ?? exception.GetType().Name, exception.Message),
    };
}
