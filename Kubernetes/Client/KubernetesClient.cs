using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>
/// A Kubernetes API client. It owns one connection pool, one rate limiter and one set of counters;
/// share a single instance per API server. Per-resource verbs live on <see cref="ResourceClient{T}"/>,
/// obtained with <see cref="Resource{T}"/> (typed) or <see cref="Dynamic"/> (JsonObject).
/// A handler passed in (for tests or custom transports) is owned and disposed by the client.
/// </summary>
/// <remarks>
/// Every request passes one pipeline: rate limiter, authentication, per-attempt timeout, send,
/// counters, then either success, a retry (after Retry-After or a capped exponential backoff) or a
/// typed <see cref="KubernetesApiException"/>. A request is retried only when repeating it cannot
/// apply it twice: the server refused it unprocessed (429, or a 5xx carrying Retry-After), the
/// connection was never established, or the request is a read or a server-side apply.
/// </remarks>
public sealed class KubernetesClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private readonly IRequestRateLimiter _rateLimiter;
    private readonly ILogger _logger;

    public KubernetesClient(
        KubernetesClientConfiguration configuration,
        KubernetesClientOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        HttpMessageHandler? handler = null,
        IRequestRateLimiter? rateLimiter = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
        Options = options ?? new KubernetesClientOptions();
        TimeProvider = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger<KubernetesClient>();
        _http = new HttpClient(handler ?? KubernetesHttpHandler.Create(configuration), disposeHandler: true)
        {
            // Timeouts are per attempt and driven by the TimeProvider, and a watch never times out as a whole.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(Options.UserAgent);
        _baseUrl = configuration.Server.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _rateLimiter = rateLimiter
            ?? (Options.Qps > 0 ? new TokenBucketRateLimiter(Options.Qps, Options.Burst, TimeProvider) : UnlimitedRateLimiter.Instance);
        Metrics = new KubernetesClientMetrics(meterFactory);
    }

    public KubernetesClientConfiguration Configuration { get; }
    public KubernetesClientOptions Options { get; }
    public TimeProvider TimeProvider { get; }
    public ILoggerFactory LoggerFactory { get; }
    public KubernetesClientMetrics Metrics { get; }

    /// <summary>Verbs on one resource with objects of type <typeparamref name="T"/>.</summary>
    public ResourceClient<T> Resource<T>(ApiResource resource, JsonTypeInfo<T> typeInfo) where T : class =>
        new(this, resource, typeInfo);

    /// <summary>Verbs on any resource with untyped objects: what a generic tool or a CR without a model uses.</summary>
    public ResourceClient<JsonObject> Dynamic(ApiResource resource) =>
        new(this, resource, KubernetesJsonContext.Default.JsonObject);

    public void Dispose()
    {
        _http.Dispose();
        Metrics.Dispose();
    }

    /// <summary>Sends one logical request through the pipeline. A streaming response is returned with only its headers read.</summary>
    internal async Task<HttpResponseMessage> SendAsync(KubernetesRequest request, CancellationToken cancellationToken)
    {
        var url = _baseUrl + request.Path + request.Query;
        for (var attempt = 0; ; attempt++)
        {
            var waitStart = TimeProvider.GetTimestamp();
            await _rateLimiter.WaitAsync(cancellationToken).ConfigureAwait(false);
            Metrics.RecordRateLimiterWait(TimeProvider.GetElapsedTime(waitStart));

            using var message = new HttpRequestMessage(request.Method, url)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            };
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (Configuration.TokenProvider is { } tokens
                && await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } token)
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(request.Body);
                message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType ?? "application/json");
            }

            using var timeoutCts = request.Streaming || Options.RequestTimeout is null
                ? null
                : new CancellationTokenSource(Options.RequestTimeout.Value, TimeProvider);
            using var linked = timeoutCts is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
            var token2 = linked?.Token ?? cancellationToken;

            var started = TimeProvider.GetTimestamp();
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message,
                    request.Streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead,
                    token2).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeoutCts?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            {
                Metrics.Record(request.Verb, request.Resource, 0, TimeProvider.GetElapsedTime(started));
                throw new KubernetesRequestTimeoutException(request.Verb, request.Path, Options.RequestTimeout!.Value);
            }
            catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
            {
                Metrics.Record(request.Verb, request.Resource, 0, TimeProvider.GetElapsedTime(started));
                // A connection that was never made carried nothing to the server, so any verb may be repeated.
                var neverSent = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError;
                if (attempt < Options.MaxRetries && (neverSent || request.Idempotent))
                {
                    var delay = Backoff(attempt);
                    Log.Retrying(_logger, request.Verb, request.Path, e.HttpRequestError.ToString(), attempt + 1, delay);
                    Metrics.RecordRetry(request.Verb, request.Resource);
                    await Task.Delay(delay, TimeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw;
            }

            var code = (int)response.StatusCode;
            Metrics.Record(request.Verb, request.Resource, code, TimeProvider.GetElapsedTime(started));
            if (response.IsSuccessStatusCode)
                return response;

            using (response)
            {
                var status = await ReadStatusAsync(response, cancellationToken).ConfigureAwait(false);
                var retryAfter = RetryAfter(response, status);
                var retryable = code == 429
                    || (code >= 500 && retryAfter is not null)
                    || (request.Idempotent && code is 500 or 502 or 503 or 504);
                if (retryable && attempt < Options.MaxRetries)
                {
                    var delay = retryAfter ?? Backoff(attempt);
                    Log.Retrying(_logger, request.Verb, request.Path, $"{code} {status.Reason}", attempt + 1, delay);
                    Metrics.RecordRetry(request.Verb, request.Resource);
                    await Task.Delay(delay, TimeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw KubernetesApiException.Create(response.StatusCode, status, request.Verb, request.Path, retryAfter);
            }
        }
    }

    /// <summary>Sends a request and returns the whole response body.</summary>
    internal async Task<byte[]> SendForBytesAsync(KubernetesRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan Backoff(int attempt)
    {
        var ticks = Math.Min(Options.RetryMaxDelay.Ticks, Options.RetryBaseDelay.Ticks * (1L << Math.Min(attempt, 30)));
        if (Options.RetryJitter > 0)
            ticks -= (long)(ticks * Options.RetryJitter * Random.Shared.NextDouble());
        return TimeSpan.FromTicks(ticks);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response, Status status)
    {
        TimeSpan? after = null;
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta) after = delta;
            else if (header.Date is { } date) after = date - TimeProvider.GetUtcNow();
        }
        else if (status.Details?.RetryAfterSeconds is { } seconds)
        {
            after = TimeSpan.FromSeconds(seconds);
        }
        if (after is null) return null;
        if (after < TimeSpan.Zero) return TimeSpan.Zero;
        return after > Options.MaxRetryAfter ? Options.MaxRetryAfter : after;
    }

    internal static async Task<Status> ReadStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return ParseStatus(body, response.StatusCode);
    }

    /// <summary>The server's Status when the body is one; otherwise a Status carrying the body as its message.</summary>
    internal static Status ParseStatus(ReadOnlySpan<byte> body, HttpStatusCode code)
    {
        try
        {
            if (body.Length > 0 && body[0] == (byte)'{')
            {
                var status = JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.Status);
                if (status is { Kind: "Status" })
                {
                    status.Code ??= (int)code;
                    return status;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON after all (a proxy's error page): fall through and keep the text.
        }
        return new Status
        {
            Result = "Failure",
            Code = (int)code,
            Reason = DefaultReason(code),
            Message = body.Length == 0 ? $"the server responded {(int)code} with no body" : Encoding.UTF8.GetString(body).Trim(),
        };
    }

    private static string DefaultReason(HttpStatusCode code) => (int)code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
}

/// <summary>One logical API request, before retries.</summary>
internal sealed record KubernetesRequest(
    HttpMethod Method,
    string Verb,
    string Resource,
    string Path,
    string Query,
    byte[]? Body = null,
    string? ContentType = null,
    bool Idempotent = false,
    bool Streaming = false);
