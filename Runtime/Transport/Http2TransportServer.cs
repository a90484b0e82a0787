using System.Buffers;
using System.Collections.Frozen;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>
/// Server side of the HTTP/2 transport: Kestrel on <see cref="Http2TransportOptions.Listen"/>, HTTP/2
/// only over cleartext (prior knowledge), one endpoint <c>POST /grain-call/v1</c>. Per request: the
/// authentication headers are checked (present, timestamp within the window of this silo's clock),
/// the body is read up to the size limit (413), the HMAC is verified in constant time and the nonce
/// recorded (401 on any failure — before any grain code runs), the method is found by wire id in a
/// table built at start, the arguments are parsed (400 on malformed JSON), and the call goes to
/// <see cref="SiloRuntime.ReceiveAsync"/>. Grain and runtime exceptions travel back as an error envelope.
/// </summary>
internal sealed class Http2TransportServer : ISiloComponent
{
    private readonly Http2TransportOptions options;
    private readonly byte[][] keys; // the signing key first, then the additional accepted keys
    private readonly JsonSerializerOptions serializer;
    private readonly ConcurrentDictionary<GrainMethod, MethodCodec> codecs = new();
    private readonly NonceCache nonces;
    private SiloRuntime? runtime;
    private ILogger logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private FrozenDictionary<string, GrainMethod> methods = FrozenDictionary<string, GrainMethod>.Empty;
    private WebApplication? app;

    public Http2TransportServer(Http2TransportOptions options)
    {
        options.Validate();
        this.options = options;
        keys = [options.SharedKey.ToArray(), .. options.AdditionalKeys.Select(k => k.ToArray())];
        serializer = WireProtocol.Prepare(options.SerializerOptions);
        nonces = new NonceCache(options.MaxTrackedNonces);
    }

    public Uri? Endpoint { get; private set; }

    /// <summary>Nonces currently remembered (for tests and introspection).</summary>
    internal int TrackedNonces => nonces.Count;

    public async Task StartAsync(SiloRuntime silo, CancellationToken cancellationToken)
    {
        runtime = silo;
        var loggers = silo.Services.GetService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        logger = loggers.CreateLogger("MultigresOrleans.Runtime.Transport");

        // The wire-id table, built once: a call costs one lookup, never reflection.
        var table = new Dictionary<string, GrainMethod>(StringComparer.Ordinal);
        foreach (var grainInterface in silo.Registry.Interfaces)
        {
            foreach (var method in grainInterface.Methods.Values)
                table.TryAdd(method.WireId, method);
        }

        methods = table.ToFrozenDictionary(StringComparer.Ordinal);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggers);
        // Not the console lifetime: SIGTERM belongs to the silo's host, which stops this server last.
        builder.Services.AddSingleton<IHostLifetime, SiloOwnedLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodySize;
            kestrel.Listen(options.Listen, listen => listen.Protocols = HttpProtocols.Http2);
        });
        var web = builder.Build();
        web.Run(HandleAsync);
        try
        {
            await web.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await web.DisposeAsync().ConfigureAwait(false); // e.g. the port is taken: release what was built, then fail the silo's start
            throw;
        }

        app = web;

        var bound = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Endpoint = options.AdvertisedEndpoint ?? new Uri(bound.EndsWith('/') ? bound : bound + "/");
        silo.CallEndpoint = Endpoint;
        TransportLog.Listening(logger, silo.Options.SiloName, Endpoint);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var web = Interlocked.Exchange(ref app, null);
        if (web is null)
            return;
        try
        {
            await web.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A cancelled stop aborts the remaining connections; that is what was asked for.
        }

        await web.DisposeAsync().ConfigureAwait(false);
        TransportLog.StoppedListening(logger, runtime?.Options.SiloName ?? "?");
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            await HandleCoreAsync(context).ConfigureAwait(false);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer.
        }
#pragma warning disable CA1031 // Last line of defence: a bug here must answer 500 for this request, never take the silo down.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            TransportLog.HandlerFailed(logger, exception);
            if (!context.Response.HasStarted)
                await WriteAsync(context, StatusCodes.Status500InternalServerError, null, WireProtocol.WriteError("internal", exception.GetType().FullName ?? "", "the silo failed to handle the call")).ConfigureAwait(false);
        }
    }

    private async Task HandleCoreAsync(HttpContext context)
    {
        var request = context.Request;
        var remote = context.Connection.RemoteIpAddress?.ToString();
        if (!HttpMethods.IsPost(request.Method) || !string.Equals(request.Path.Value, WireProtocol.CallPath, StringComparison.Ordinal))
        {
            await RejectAsync(context, StatusCodes.Status404NotFound, ErrorKinds.NotFound, $"only POST {WireProtocol.CallPath} is served here").ConfigureAwait(false);
            return;
        }

        var headers = request.Headers;
        var grainHeader = Single(headers[WireProtocol.GrainHeader]);
        var methodHeader = Single(headers[WireProtocol.MethodHeader]);
        var timestampHeader = Single(headers[WireProtocol.TimestampHeader]);
        var nonceHeader = Single(headers[WireProtocol.NonceHeader]);
        var signatureHeader = Single(headers[WireProtocol.SignatureHeader]);

        // Cheap checks first, before reading a body.
        if (grainHeader is null || methodHeader is null || timestampHeader is null || nonceHeader is null || signatureHeader is null)
        {
            await UnauthorizedAsync(context, remote, methodHeader, grainHeader, "missing authentication headers").ConfigureAwait(false);
            return;
        }

        var nowMs = runtime!.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)options.TimestampWindow.TotalMilliseconds;
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var sentMs) || Math.Abs(nowMs - sentMs) > windowMs)
        {
            await UnauthorizedAsync(context, remote, methodHeader, grainHeader, $"timestamp missing or outside ±{options.TimestampWindow} of this silo's clock").ConfigureAwait(false);
            return;
        }

        if (nonceHeader.Length != 32 || !UInt128.TryParse(nonceHeader, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var nonce))
        {
            await UnauthorizedAsync(context, remote, methodHeader, grainHeader, "malformed nonce").ConfigureAwait(false);
            return;
        }

        var signature = new byte[HMACSHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(signatureHeader, signature, out var signatureLength) || signatureLength != signature.Length)
        {
            await UnauthorizedAsync(context, remote, methodHeader, grainHeader, "malformed signature").ConfigureAwait(false);
            return;
        }

        if (request.ContentLength > options.MaxRequestBodySize)
        {
            await RejectAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorKinds.TooLarge, $"the body of {request.ContentLength} bytes exceeds this silo's limit of {options.MaxRequestBodySize} bytes (Http2TransportOptions.MaxRequestBodySize)").ConfigureAwait(false);
            return;
        }

        var reader = request.BodyReader;
        ReadResult read;
        try
        {
            read = await ReadWholeBodyAsync(reader, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RejectAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorKinds.TooLarge, $"the body exceeds this silo's limit of {options.MaxRequestBodySize} bytes (Http2TransportOptions.MaxRequestBodySize)").ConfigureAwait(false);
            return;
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException exception)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, ErrorKinds.BadRequest, $"unreadable body: {exception.Message}").ConfigureAwait(false);
            return;
        }

        GrainId grainId;
        GrainMethod method;
        MethodCodec codec;
        object?[] args;
        try
        {
            var body = read.Buffer;
            if (!Verify(methodHeader, grainHeader, timestampHeader, nonceHeader, body, signature))
            {
                await UnauthorizedAsync(context, remote, methodHeader, grainHeader, "invalid signature").ConfigureAwait(false);
                return;
            }

            // Recorded only after the signature checked out, so only key holders can fill the memory.
            switch (nonces.TryAdd(nonce, sentMs + windowMs, nowMs))
            {
                case NonceCache.Outcome.Replayed:
                    await UnauthorizedAsync(context, remote, methodHeader, grainHeader, "replayed nonce").ConfigureAwait(false);
                    return;
                case NonceCache.Outcome.Full:
                    await RejectAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorKinds.Busy, $"too many calls within the replay window (Http2TransportOptions.MaxTrackedNonces = {options.MaxTrackedNonces})").ConfigureAwait(false);
                    return;
                default:
                    break;
            }

            string methodId;
            try
            {
                methodId = Uri.UnescapeDataString(methodHeader);
            }
            catch (UriFormatException)
            {
                methodId = methodHeader;
            }

            if (!methods.TryGetValue(methodId, out method!))
            {
                await RejectAsync(context, StatusCodes.Status404NotFound, ErrorKinds.UnknownMethod, $"no registered grain interface has method {methodId}").ConfigureAwait(false);
                return;
            }

            if (!WireProtocol.TryDecodeGrainId(grainHeader, out grainId))
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, ErrorKinds.BadRequest, "malformed grain id (expected type/key)").ConfigureAwait(false);
                return;
            }

            if (!runtime.Registry.TryGetClass(grainId.Type, out var grainClass) || !method.Method.DeclaringType!.IsAssignableFrom(grainClass.ClassType))
            {
                await RejectAsync(context, StatusCodes.Status404NotFound, ErrorKinds.UnknownMethod, $"grain type '{grainId.Type}' is not hosted here or does not implement {method.Method.DeclaringType!.Name}").ConfigureAwait(false);
                return;
            }

            try
            {
                codec = codecs.GetOrAdd(method, static (m, o) => MethodCodec.Create(m, o), serializer);
                args = codec.ReadArguments(body);
            }
            catch (JsonException exception)
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, ErrorKinds.BadRequest, $"malformed arguments for {method.Name}: {exception.Message}").ConfigureAwait(false);
                return;
            }
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.End);
        }

        byte[] answer;
        string outcome;
        try
        {
            var result = await runtime.ReceiveAsync(grainId, method, args).ConfigureAwait(false);
            answer = codec.WriteResult(result);
            outcome = WireProtocol.OutcomeOk;
        }
#pragma warning disable CA1031 // Any exception of the grain (or the runtime's refusal) is the call's answer, sent back as an envelope.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var (kind, type, message) = ErrorKinds.Of(exception);
            answer = WireProtocol.WriteError(kind, type, message);
            outcome = WireProtocol.OutcomeError;
        }

        await WriteAsync(context, StatusCodes.Status200OK, outcome, answer).ConfigureAwait(false);
    }

    private bool Verify(string methodHeader, string grainHeader, string timestamp, string nonce, ReadOnlySequence<byte> body, byte[] signature)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (body.IsSingleSegment)
        {
            SHA256.HashData(body.FirstSpan, hash);
        }
        else
        {
            using var incremental = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var segment in body)
                incremental.AppendData(segment.Span);
            incremental.GetHashAndReset(hash);
        }

        // Every accepted key is tried (a rotation in progress); each comparison is constant-time.
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var matched = false;
        foreach (var key in keys)
        {
            WireProtocol.Sign(key, runtime!.Membership.SiloName, methodHeader, grainHeader, timestamp, nonce, hash, expected);
            matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }

        return matched;
    }

    /// <summary>Buffers the whole body in the pipe (Kestrel enforces the size limit while reading).</summary>
    private static async Task<ReadResult> ReadWholeBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read.IsCompleted || read.IsCanceled)
                return read;
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private Task UnauthorizedAsync(HttpContext context, string? remote, string? method, string? grain, string reason)
    {
        // The reason, never the key or the signature.
        TransportLog.Unauthorized(logger, remote, method, grain, reason);
        return WriteAsync(context, StatusCodes.Status401Unauthorized, null, WireProtocol.WriteError(ErrorKinds.Unauthorized, "", reason));
    }

    private Task RejectAsync(HttpContext context, int status, string kind, string reason)
    {
        TransportLog.Rejected(logger, context.Connection.RemoteIpAddress?.ToString(), status, reason);
        return WriteAsync(context, status, null, WireProtocol.WriteError(kind, "", reason));
    }

    private static async Task WriteAsync(HttpContext context, int status, string? outcome, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = WireProtocol.JsonContentType;
        response.ContentLength = body.Length;
        if (outcome is not null)
            response.Headers[WireProtocol.OutcomeHeader] = outcome;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static string? Single(StringValues values) => values.Count == 1 ? values[0] : null;

    /// <summary>The server lives and dies with the silo; it does not listen to process signals itself.</summary>
    private sealed class SiloOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
