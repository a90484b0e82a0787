using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.DataPlane.ManagerData;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.DataPlane;

/// <summary>The two multipooler manager RPCs the operator makes (dataplane-contracts §1.5); a seam for grain tests.</summary>
public interface IMultipoolerClient
{
    /// <summary><c>GetBackups</c> on <paramref name="pooler"/> (§3.2).</summary>
    /// <exception cref="MultipoolerRpcException">Any failure but the caller's own cancellation.</exception>
    Task<GetBackupsResponse> GetBackupsAsync(Multipooler pooler, GetBackupsRequest request, MultipoolerCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary><c>ReloadConfig</c> on <paramref name="pooler"/> (§3.3).</summary>
    /// <exception cref="MultipoolerRpcException">Any failure but the caller's own cancellation.</exception>
    Task<ReloadConfigResponse> ReloadConfigAsync(Multipooler pooler, ReloadConfigRequest request, MultipoolerCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// multiadmin <c>SwitchPrimary</c> at <paramref name="multiadmin"/> (the cluster's <c>&lt;cluster&gt;-multiadmin</c> Service,
    /// gRPC port 18070): a planned switchover of the shard's primary (dataplane-contracts §3.4, §8.17).
    /// </summary>
    /// <exception cref="MultipoolerRpcException">Any failure but the caller's own cancellation.</exception>
    Task<Admin.SwitchPrimaryResponse> SwitchPrimaryAsync(MultipoolerTarget multiadmin, Admin.SwitchPrimaryRequest request, MultipoolerCallOptions? options = null,
        CancellationToken cancellationToken = default);
}

/// <summary>
/// The operator's multipooler gRPC client: unary calls over <see cref="SocketsHttpHandler"/> HTTP/2 with the gRPC
/// framing written here (there is no gRPC runtime package in this build; see README.md). One instance serves the whole
/// process: its single handler keeps one HTTP/2 connection per pooler address and reuses it across calls and
/// reconciles, pinging it after 10 s of idleness so a vanished pod is noticed (§3's keepalive). Plaintext h2c by
/// default; a call that names a TLS server name goes over TLS, presents the operator's client certificate and
/// verifies the pooler against the internal CA (spec §9.4, unlike the reference: §8.8, §16.34).
/// </summary>
/// <remarks>
/// Every call has a deadline (default 10 s, capped) that bounds connecting, sending and reading, and is also sent as
/// <c>grpc-timeout</c> so the pooler stops working for a caller that has given up. The caller's
/// <see cref="CancellationToken"/> cancels the call with an <see cref="OperationCanceledException"/>; every other
/// failure is a <see cref="MultipoolerRpcException"/> with a gRPC status code and the pooler's address.
/// </remarks>
public sealed partial class MultipoolerClient : IMultipoolerClient, IDisposable
{
    /// <summary>The manager service, from our copy of <c>multipoolermanagerservice.proto</c>.</summary>
    public static ServiceDescriptor Service { get; } = MultipoolermanagerserviceReflection.Descriptor.FindTypeByName<ServiceDescriptor>("MultipoolerManager");

    /// <summary><c>/multipoolermanager.MultipoolerManager/GetBackups</c>.</summary>
    public static string GetBackupsPath { get; } = PathOf("GetBackups");

    /// <summary><c>/multipoolermanager.MultipoolerManager/ReloadConfig</c>.</summary>
    public static string ReloadConfigPath { get; } = PathOf("ReloadConfig");

    private const string UserAgent = "multigres-orleans-operator grpc-http2";
    private static readonly Oid ServerAuthOid = new("1.3.6.1.5.5.7.3.1");

    private readonly MultipoolerClientOptions _options;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpMessageInvoker _invoker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // Why the validation callback last refused a server name: the handshake exception only says "rejected".
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _rejections = new(StringComparer.OrdinalIgnoreCase);

    public MultipoolerClient(MultipoolerClientOptions? options = null, ILogger<MultipoolerClient>? logger = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new MultipoolerClientOptions();
        if (_options.DefaultDeadline <= TimeSpan.Zero || _options.MaxDeadline < _options.DefaultDeadline)
            throw new ArgumentException("DefaultDeadline must be positive and no longer than MaxDeadline", nameof(options));
        if (_options.MaxResponseMessageBytes <= 0 || _options.MaxRequestMessageBytes <= 0)
            throw new ArgumentException("message size limits must be positive", nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _handler = new SocketsHttpHandler
        {
            UseProxy = false, // pod addresses are cluster-internal; an HTTP(S)_PROXY in the operator's env must not capture them
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = true, // more than the server's stream limit in flight opens a second connection, not a queue
            ConnectTimeout = _options.ConnectTimeout,
            KeepAlivePingDelay = _options.KeepAlivePingDelay,
            KeepAlivePingTimeout = _options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = _options.PooledConnectionIdleTimeout,
            PooledConnectionLifetime = _options.PooledConnectionLifetime,
        };
        if (_options.Tls is { } tls)
        {
            _handler.SslOptions = new SslClientAuthenticationOptions
            {
                LocalCertificateSelectionCallback = (_, _, _, _, _) => tls.CurrentClientCertificate()!,
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) => ValidateServer(tls, sender, certificate, chain, errors),
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            };
        }

        _invoker = new HttpMessageInvoker(_handler, disposeHandler: true);
    }

    // async so that a bad record fails the returned task, like every other failure, instead of throwing at the call site
    public async Task<GetBackupsResponse> GetBackupsAsync(Multipooler pooler, GetBackupsRequest request, MultipoolerCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        await CallAsync(MultipoolerTarget.FromPooler(pooler, "GetBackups"), "GetBackups", request, GetBackupsResponse.Parser, options, cancellationToken)
            .ConfigureAwait(false);

    public async Task<ReloadConfigResponse> ReloadConfigAsync(Multipooler pooler, ReloadConfigRequest request, MultipoolerCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        await CallAsync(MultipoolerTarget.FromPooler(pooler, "ReloadConfig"), "ReloadConfig", request, ReloadConfigResponse.Parser, options, cancellationToken)
            .ConfigureAwait(false);

    // Declared before the path that reads it: static initialisers run in textual order.
    private static ServiceDescriptor AdminService { get; } = Admin.MultiadminReflection.Descriptor.FindTypeByName<ServiceDescriptor>("MultiadminService")!;

    /// <summary><c>/multiadmin.MultiadminService/SwitchPrimary</c>.</summary>
    public static string SwitchPrimaryPath { get; } = "/" + AdminService.FullName + "/" + AdminService.FindMethodByName("SwitchPrimary")!.Name;

    public async Task<Admin.SwitchPrimaryResponse> SwitchPrimaryAsync(MultipoolerTarget multiadmin, Admin.SwitchPrimaryRequest request,
        MultipoolerCallOptions? options = null, CancellationToken cancellationToken = default) =>
        await InvokeAsync(multiadmin, SwitchPrimaryPath, "SwitchPrimary", request, Admin.SwitchPrimaryResponse.Parser, options, cancellationToken)
            .ConfigureAwait(false);

    /// <summary>
    /// One unary call of <c>MultipoolerManager/<paramref name="method"/></c> on <paramref name="target"/>: the typed
    /// methods above, and a way to reach a pooler by address.
    /// </summary>
    public Task<TResponse> CallAsync<TRequest, TResponse>(MultipoolerTarget target, string method, TRequest request,
        MessageParser<TResponse> parser, MultipoolerCallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        InvokeAsync(target, "/" + Service.FullName + "/" + method, method, request, parser, options, cancellationToken);

    private async Task<TResponse> InvokeAsync<TRequest, TResponse>(MultipoolerTarget target, string path, string method, TRequest request,
        MessageParser<TResponse> parser, MultipoolerCallOptions? options, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(parser);
        cancellationToken.ThrowIfCancellationRequested();

        var address = target.Address;
        var deadline = options?.Deadline ?? _options.DefaultDeadline;
        if (deadline <= TimeSpan.Zero)
            throw new MultipoolerRpcException(GrpcStatusCode.DeadlineExceeded, "deadline expired before the call was made", address, method);
        if (deadline > _options.MaxDeadline)
            deadline = _options.MaxDeadline;

        var size = request.CalculateSize();
        if (size > _options.MaxRequestMessageBytes)
            throw new MultipoolerRpcException(GrpcStatusCode.ResourceExhausted,
                $"request message of {size} bytes is larger than the limit of {_options.MaxRequestMessageBytes} bytes", address, method);

        var serverName = options?.TlsServerName;
        if (serverName is not null && _options.Tls is null)
            throw new MultipoolerRpcException(GrpcStatusCode.FailedPrecondition,
                $"TLS was asked for (server name {serverName}) but the client has no TLS options (client certificate and CA)", address, method);

        var (uri, dialled) = RequestUri(target, path, serverName is not null);
        var via = dialled == address ? string.Empty : $" (dialled {dialled})";
        using var httpRequest = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact, // h2c by prior knowledge on http://, ALPN h2 on https://
            Content = new ByteArrayContent(GrpcWire.Frame(request.ToByteArray())),
        };
        httpRequest.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcWire.ContentType);
        httpRequest.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        httpRequest.Headers.TryAddWithoutValidation(GrpcWire.TimeoutHeader, GrpcWire.FormatTimeout(deadline));
        httpRequest.Headers.TryAddWithoutValidation("user-agent", UserAgent);
        if (serverName is not null)
            httpRequest.Headers.Host = serverName; // the :authority, the TLS SNI and the name the certificate must carry
        else if (dialled != address)
            httpRequest.Headers.Host = address; // dialled elsewhere, the request still names the pooler (the sandbox routes by it)

        using var deadlineSource = new CancellationTokenSource(deadline, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadlineSource.Token);
        var started = _time.GetTimestamp();
        try
        {
            using var response = await _invoker.SendAsync(httpRequest, linked.Token).ConfigureAwait(false);
            var result = await ReadResponseAsync(response, parser, address, method, linked.Token).ConfigureAwait(false);
            Log.CallSucceeded(_logger, method, address, _time.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
        catch (MultipoolerRpcException e)
        {
            Log.CallFailed(_logger, method, address, e.StatusCode.Name(), e.Detail);
            throw;
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException)
        {
            throw new OperationCanceledException($"{method} on multipooler {address} was cancelled by the caller", e, cancellationToken);
        }
        catch (Exception e) when (deadlineSource.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException)
        {
            var error = new MultipoolerRpcException(GrpcStatusCode.DeadlineExceeded,
                $"no answer within the deadline of {deadline.TotalSeconds:0.###} s{via}", address, method, e);
            Log.CallFailed(_logger, method, address, error.StatusCode.Name(), error.Detail);
            throw error;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or AuthenticationException)
        {
            var error = Transport(e, address, method, via, serverName is not null && _rejections.TryRemove(serverName, out var why) ? why : null);
            Log.CallFailed(_logger, method, address, error.StatusCode.Name(), error.Detail);
            throw error;
        }
    }

    public void Dispose() => _invoker.Dispose();

    private static string PathOf(string method) =>
        "/" + Service.FullName + "/" + (Service.FindMethodByName(method) ?? throw new InvalidOperationException($"no method {method} in {Service.FullName}")).Name;

    private (Uri Uri, string Dialled) RequestUri(MultipoolerTarget target, string path, bool tls)
    {
        var scheme = tls ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
        string authority;
        if (_options.AddressOverride is { } map)
        {
            var mapped = map(target.Host, target.Port);
            authority = mapped.Host + ":" + mapped.Port.ToString(System.Globalization.CultureInfo.InvariantCulture); // Uri.Host keeps IPv6 brackets
        }
        else
        {
            authority = target.Address;
        }

        return (new Uri(scheme + "://" + authority + path), authority);
    }

    private async Task<TResponse> ReadResponseAsync<TResponse>(HttpResponseMessage response, MessageParser<TResponse> parser, string address,
        string method, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        // Trailers-only: a call that fails before any message carries its status in the only HEADERS frame.
        if (Header(response.Headers, GrpcWire.StatusHeader) is { } early)
        {
            ThrowIfNotOk(early, Header(response.Headers, GrpcWire.MessageHeader), address, method);
            throw new MultipoolerRpcException(GrpcStatusCode.Internal, "the server answered OK without a response message", address, method);
        }

        if (response.StatusCode != HttpStatusCode.OK)
            throw new MultipoolerRpcException(GrpcWire.StatusFromHttp(response.StatusCode),
                $"HTTP status {(int)response.StatusCode} without a gRPC status (not a gRPC server, or a proxy in between)", address, method);
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith(GrpcWire.ContentType, StringComparison.OrdinalIgnoreCase))
            throw new MultipoolerRpcException(GrpcStatusCode.Unknown, $"unexpected content-type \"{contentType}\" (not a gRPC server)", address, method);

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            byte[]? message = null;
            var prefix = new byte[GrpcWire.PrefixLength];
            var read = await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == prefix.Length)
            {
                var (compressed, length) = GrpcWire.ReadPrefix(prefix);
                if (compressed)
                    throw new MultipoolerRpcException(GrpcStatusCode.Internal,
                        $"compressed response message (grpc-encoding \"{Header(response.Headers, GrpcWire.EncodingHeader)}\") though none was asked for", address, method);
                if (length > (uint)_options.MaxResponseMessageBytes)
                    throw new MultipoolerRpcException(GrpcStatusCode.ResourceExhausted,
                        $"response message of {length} bytes is larger than the limit of {_options.MaxResponseMessageBytes} bytes", address, method);
                message = new byte[length];
                await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
                if (await stream.ReadAsync(prefix.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
                    throw new MultipoolerRpcException(GrpcStatusCode.Internal, "more than one response message for a unary call", address, method);
            }
            else if (read != 0)
            {
                throw new MultipoolerRpcException(GrpcStatusCode.Internal, "the response ended inside a message prefix", address, method);
            }

            // The body has been read to its end, so the trailers have arrived.
            var status = Header(response.TrailingHeaders, GrpcWire.StatusHeader)
                ?? throw new MultipoolerRpcException(GrpcStatusCode.Internal, "the response ended without a grpc-status", address, method);
            ThrowIfNotOk(status, Header(response.TrailingHeaders, GrpcWire.MessageHeader), address, method);
            if (message is null)
                throw new MultipoolerRpcException(GrpcStatusCode.Internal, "the server answered OK without a response message", address, method);
            try
            {
                return parser.ParseFrom(message);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new MultipoolerRpcException(GrpcStatusCode.Internal, $"undecodable response message: {e.Message}", address, method, e);
            }
        }
    }

    private static void ThrowIfNotOk(string status, string? message, string address, string method)
    {
        var code = GrpcStatusCodes.Parse(status);
        if (code == GrpcStatusCode.Ok && status.Trim() == "0")
            return;
        var detail = GrpcWire.PercentDecode(message);
        if (detail.Length > 4096)
            detail = detail[..4096] + "…";
        if (detail.Length == 0)
            detail = code == GrpcStatusCode.Unknown && status.Trim() != "2" ? $"unrecognised grpc-status \"{status}\"" : "(no message)";
        throw new MultipoolerRpcException(code, detail, address, method);
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    private static MultipoolerRpcException Transport(Exception e, string address, string method, string via, string? rejection)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case HttpProtocolException h2:
                    return new MultipoolerRpcException(GrpcWire.StatusFromHttp2Error(h2.ErrorCode),
                        $"HTTP/2 stream reset (error code 0x{h2.ErrorCode:X}){via}: {h2.Message}", address, method, e);
                case AuthenticationException tls:
                    return new MultipoolerRpcException(GrpcStatusCode.Unavailable,
                        $"TLS handshake failed{via}: {(rejection is null ? tls.Message : "server certificate rejected: " + rejection)}", address, method, e);
            }
        }

        var what = e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
            ? "cannot connect"
            : "connection failed";
        return new MultipoolerRpcException(GrpcStatusCode.Unavailable, $"{what}{via}: {Innermost(e)}", address, method, e);
    }

    private static string Innermost(Exception e)
    {
        var messages = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (!messages.Any(m => m.Contains(inner.Message, StringComparison.Ordinal)))
                messages.Add(inner.Message);
        return string.Join(" → ", messages);
    }

    private bool ValidateServer(MultipoolerTlsOptions tls, object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        var target = (sender as SslStream)?.TargetHostName ?? string.Empty;
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return Reject(target, "no certificate presented");
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return Reject(target, $"it is not valid for the name {target}");
        if (tls.CertificateAuthority is null)
            return errors == SslPolicyErrors.None || Reject(target, errors.ToString());

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(tls.CertificateAuthority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthOid);
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            return chain.Build(leaf)
                || Reject(target, "it does not chain to the configured CA (" + string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString())) + ")");
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
                leaf.Dispose();
        }
    }

    private bool Reject(string serverName, string reason)
    {
        Log.ServerRejected(_logger, serverName, reason);
        _rejections[serverName] = reason;
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "multipooler {Method} on {Address} succeeded in {Milliseconds:0.#} ms")]
        public static partial void CallSucceeded(ILogger logger, string method, string address, double milliseconds);

        [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "multipooler {Method} on {Address} failed: {Code}: {Detail}")]
        public static partial void CallFailed(ILogger logger, string method, string address, string code, string detail);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "rejected the TLS certificate of multipooler {ServerName}: {Reason}")]
        public static partial void ServerRejected(ILogger logger, string serverName, string reason);
    }
}
