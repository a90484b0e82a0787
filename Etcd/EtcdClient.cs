using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MultigresOrleans.Etcd;

/// <summary>
/// An etcd v3 KV client over etcd's JSON gateway (POST <c>/v3/kv/range|put|deleterange|txn</c> on
/// the client port). One instance is meant to live as long as the process and be shared: it owns
/// one pooled <see cref="HttpClient"/>, so calls reuse keep-alive connections instead of dialling
/// per reconcile as the reference operator does (dataplane-contracts §8.5).
/// </summary>
/// <remarks>
/// Failover and retries follow one rule: an exchange is repeated only when repeating it cannot
/// apply a write twice. A connection that could not be opened never carried the request, so every
/// operation moves on to the next endpoint; a timeout, a broken connection or a gRPC UNAVAILABLE
/// answer is retried for reads only, while a write reports <see cref="EtcdOutcomeUnknownException"/>
/// and leaves the re-read to its caller. The client sticks to the last endpoint that answered.
/// </remarks>
public sealed partial class EtcdClient : IDisposable
{
    private const int GrpcUnavailable = 14;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly string[] _endpoints;
    private readonly EtcdClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _preferred;

    /// <param name="options">Endpoints, timeouts and retry budget.</param>
    /// <param name="handler">Transport override for tests; by default a pooled <see cref="SocketsHttpHandler"/>.</param>
    /// <param name="timeProvider">Drives per-exchange timeouts and backoff.</param>
    /// <param name="logger">Failover and retry diagnostics.</param>
    public EtcdClient(EtcdClientOptions options, HttpMessageHandler? handler = null, TimeProvider? timeProvider = null, ILogger<EtcdClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _endpoints = [.. options.Endpoints.Select(NormalizeEndpoint)];
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            // Re-resolve DNS now and then: a managed etcd behind a Service may move.
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        }, disposeHandler: true)
        {
            // Per-exchange deadlines come from RequestTimeout through the TimeProvider.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The endpoints, normalised to URLs, in configured order.</summary>
    public IReadOnlyList<string> Endpoints => _endpoints;

    /// <summary>The endpoint the next call tries first: the last one that answered.</summary>
    public string PreferredEndpoint => _endpoints[Volatile.Read(ref _preferred)];

    /// <summary>Reads one key or a prefix.</summary>
    public async Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await CallAsync("/v3/kv/range", ToWire(request), GatewayJsonContext.Default.GwRangeRequest,
            GatewayJsonContext.Default.GwRangeResponse, idempotent: true, cancellationToken).ConfigureAwait(false);
        return FromWire(response);
    }

    /// <summary>Reads one key; null when it does not exist.</summary>
    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        (await RangeAsync(RangeRequest.Single(key), cancellationToken).ConfigureAwait(false)).Single;

    /// <summary>Reads every key under a prefix, in key order.</summary>
    public Task<RangeResult> GetPrefixAsync(string prefix, bool keysOnly = false, CancellationToken cancellationToken = default) =>
        RangeAsync(RangeRequest.WithPrefix(prefix, keysOnly), cancellationToken);

    /// <summary>Writes a key unconditionally.</summary>
    public async Task<PutResult> PutAsync(string key, byte[] value, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("/v3/kv/put", ToWire(new TxnOp.Put(key, value)), GatewayJsonContext.Default.GwPutRequest,
            GatewayJsonContext.Default.GwPutResponse, idempotent: false, cancellationToken).ConfigureAwait(false);
        return FromWire(response);
    }

    /// <summary>Writes a UTF-8 string value.</summary>
    public Task<PutResult> PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        PutAsync(key, Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <summary>Deletes one key, or every key under a prefix; the result says how many existed.</summary>
    public async Task<DeleteResult> DeleteAsync(string key, bool prefix = false, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("/v3/kv/deleterange", ToWire(new TxnOp.Delete(key, prefix)), GatewayJsonContext.Default.GwDeleteRangeRequest,
            GatewayJsonContext.Default.GwDeleteRangeResponse, idempotent: false, cancellationToken).ConfigureAwait(false);
        return FromWire(response);
    }

    /// <summary>Runs a transaction.</summary>
    public async Task<TxnResult> TxnAsync(TxnRequest txn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(txn);
        // A transaction made only of reads is safe to repeat.
        var readOnly = txn.Success.Concat(txn.Failure).All(op => op is TxnOp.Get);
        var response = await CallAsync("/v3/kv/txn", ToWire(txn), GatewayJsonContext.Default.GwTxnRequest,
            GatewayJsonContext.Default.GwTxnResponse, idempotent: readOnly, cancellationToken).ConfigureAwait(false);
        return FromWire(response);
    }

    /// <summary>
    /// Discards history before <paramref name="revision"/> (etcd's compaction). Watches and reads at
    /// older revisions then fail; repeating it is harmless, so it counts as idempotent.
    /// </summary>
    public async Task<long> CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("/v3/kv/compaction", new GwCompactionRequest { Revision = revision }, GatewayJsonContext.Default.GwCompactionRequest,
            GatewayJsonContext.Default.GwCompactionResponse, idempotent: true, cancellationToken).ConfigureAwait(false);
        return response.Header?.Revision ?? 0;
    }

    /// <summary>Writes the key only if it does not exist. On failure <see cref="CasResult.Current"/> holds the existing key.</summary>
    public Task<CasResult> CreateAsync(string key, byte[] value, CancellationToken cancellationToken = default) =>
        GuardedAsync(key, Compare.Absent(key), new TxnOp.Put(key, value), cancellationToken);

    /// <summary>
    /// Writes the key only if its mod_revision still equals <paramref name="expectedModRevision"/>
    /// (0 means "only if absent"). On failure <see cref="CasResult.Current"/> holds what is there now.
    /// </summary>
    public Task<CasResult> CompareAndSwapAsync(string key, byte[] value, long expectedModRevision, CancellationToken cancellationToken = default) =>
        GuardedAsync(key, Compare.ModRevision(key, CompareOp.Equal, expectedModRevision), new TxnOp.Put(key, value), cancellationToken);

    /// <summary>Deletes the key only if its mod_revision still equals <paramref name="expectedModRevision"/>.</summary>
    public Task<CasResult> CompareAndDeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken = default) =>
        GuardedAsync(key, Compare.ModRevision(key, CompareOp.Equal, expectedModRevision), new TxnOp.Delete(key), cancellationToken);

    private async Task<CasResult> GuardedAsync(string key, Compare compare, TxnOp op, CancellationToken cancellationToken)
    {
        // The failure branch reads the key in the same transaction, so a lost compare reports the
        // winner's value without a second round trip (and without a window between them).
        var result = await TxnAsync(new TxnRequest([compare], [op], [new TxnOp.Get(RangeRequest.Single(key))]), cancellationToken).ConfigureAwait(false);
        var current = result.Succeeded ? null : result.Responses.FirstOrDefault()?.Range?.Single;
        return new CasResult(key, result.Succeeded, result.Revision, current);
    }

    public void Dispose() => _http.Dispose();

    private async Task<TResponse> CallAsync<TRequest, TResponse>(string path, TRequest request, JsonTypeInfo<TRequest> requestInfo,
        JsonTypeInfo<TResponse> responseInfo, bool idempotent, CancellationToken cancellationToken)
        where TResponse : class
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestInfo);
        var failures = new List<EndpointFailure>();
        var start = Volatile.Read(ref _preferred);
        var maxAttempts = _options.EffectiveMaxAttempts;
        var backoff = _options.InitialBackoff;
        Exception? last = null;

        for (var attempt = 0; attempt < maxAttempts; attempt++)
        {
            if (attempt > 0 && attempt % _endpoints.Length == 0)
            {
                // A full round failed: pause before the next one so a restarting etcd is not hammered.
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }

            var index = (start + attempt) % _endpoints.Length;
            var endpoint = _endpoints[index];
            using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            EndpointFailure failure;
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, endpoint + path)
                {
                    Content = new ByteArrayContent(body) { Headers = { ContentType = JsonContentType } },
                };
                using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
                var payload = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    if (index != start)
                    {
                        Log.FailedOver(_logger, _endpoints[start], endpoint);
                    }
                    Volatile.Write(ref _preferred, index);
                    return JsonSerializer.Deserialize(payload, responseInfo)
                        ?? throw new EtcdServerException(endpoint, 13, "empty answer from the JSON gateway");
                }

                var error = TryParseError(payload);
                if (error?.Code != GrpcUnavailable && response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    throw new EtcdServerException(endpoint, error?.Code ?? 2,
                        error?.Message ?? error?.Error ?? $"HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(payload)}");
                }
                failure = new EndpointFailure(endpoint, EndpointFailureKind.ServerUnavailable, error?.Message ?? $"HTTP {(int)response.StatusCode}");
                if (!idempotent)
                {
                    throw new EtcdOutcomeUnknownException(endpoint, failure.Kind);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
            {
                last = e;
                failure = new EndpointFailure(endpoint, EndpointFailureKind.TimedOut, $"no answer within {_options.RequestTimeout.TotalMilliseconds:0} ms");
                if (!idempotent)
                {
                    throw new EtcdOutcomeUnknownException(endpoint, failure.Kind, e);
                }
            }
            catch (HttpRequestException e) when (IsConnectFailure(e))
            {
                last = e;
                failure = new EndpointFailure(endpoint, EndpointFailureKind.ConnectionFailed, e.Message);
            }
            catch (HttpRequestException e)
            {
                last = e;
                failure = new EndpointFailure(endpoint, EndpointFailureKind.ConnectionLost, e.Message);
                if (!idempotent)
                {
                    throw new EtcdOutcomeUnknownException(endpoint, failure.Kind, e);
                }
            }

            failures.Add(failure);
            Log.AttemptFailed(_logger, endpoint, failure.Kind, attempt + 1, maxAttempts, failure.Detail);
        }

        throw new EtcdUnavailableException(_endpoints, failures, last);
    }

    /// <summary>True when the request provably never left this process: the connection was not established.</summary>
    private static bool IsConnectFailure(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;

    private static GwError? TryParseError(byte[] payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, GatewayJsonContext.Default.GwError);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An endpoint as the client uses it: Multigres Cell records carry bare <c>host:port</c>, read as plain HTTP.</summary>
    public static string NormalizeEndpoint(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        var url = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "http://" + endpoint;
        return url.TrimEnd('/');
    }

    private static byte[] KeyBytes(string key) => Encoding.UTF8.GetBytes(key);

    private static (byte[] Key, byte[]? End) KeyRange(string key, bool prefix)
    {
        if (!prefix)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            return (KeyBytes(key), null);
        }
        var bytes = KeyBytes(key);
        // The empty prefix means the whole keyspace, which etcd spells key = range_end = "\0".
        return bytes.Length == 0 ? ([0], [0]) : (bytes, EtcdKeys.PrefixEnd(bytes));
    }

    private static GwRangeRequest ToWire(RangeRequest r)
    {
        var (key, end) = KeyRange(r.Key, r.Prefix);
        return new GwRangeRequest
        {
            Key = key,
            RangeEnd = end,
            Limit = r.Limit == 0 ? null : r.Limit,
            Revision = r.Revision == 0 ? null : r.Revision,
            KeysOnly = r.KeysOnly ? true : null,
            CountOnly = r.CountOnly ? true : null,
        };
    }

    private static GwPutRequest ToWire(TxnOp.Put p)
    {
        ArgumentException.ThrowIfNullOrEmpty(p.Key);
        ArgumentNullException.ThrowIfNull(p.Value);
        return new GwPutRequest { Key = KeyBytes(p.Key), Value = p.Value };
    }

    private static GwDeleteRangeRequest ToWire(TxnOp.Delete d)
    {
        var (key, end) = KeyRange(d.Key, d.Prefix);
        return new GwDeleteRangeRequest { Key = key, RangeEnd = end };
    }

    private static GwTxnRequest ToWire(TxnRequest t) => new()
    {
        Compare = [.. t.Compares.Select(ToWire)],
        Success = [.. t.Success.Select(ToWire)],
        Failure = [.. t.Failure.Select(ToWire)],
    };

    private static GwRequestOp ToWire(TxnOp op) => op switch
    {
        TxnOp.Get g => new GwRequestOp { RequestRange = ToWire(g.Request) },
        TxnOp.Put p => new GwRequestOp { RequestPut = ToWire(p) },
        TxnOp.Delete d => new GwRequestOp { RequestDeleteRange = ToWire(d) },
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown transaction operation"),
    };

    private static GwCompare ToWire(Compare c)
    {
        ArgumentException.ThrowIfNullOrEmpty(c.Key);
        var wire = new GwCompare
        {
            Key = KeyBytes(c.Key),
            Result = c.Op switch
            {
                CompareOp.Equal => "EQUAL",
                CompareOp.Greater => "GREATER",
                CompareOp.Less => "LESS",
                CompareOp.NotEqual => "NOT_EQUAL",
                _ => throw new ArgumentOutOfRangeException(nameof(c), c.Op, "unknown compare operator"),
            },
        };
        // The target value is always sent, zero included (see GatewayJson.cs).
        switch (c.Target)
        {
            case CompareTarget.Version:
                wire.Target = "VERSION";
                wire.Version = c.Number;
                break;
            case CompareTarget.CreateRevision:
                wire.Target = "CREATE";
                wire.CreateRevision = c.Number;
                break;
            case CompareTarget.ModRevision:
                wire.Target = "MOD";
                wire.ModRevision = c.Number;
                break;
            case CompareTarget.Value:
                wire.Target = "VALUE";
                wire.Value = c.Value ?? [];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(c), c.Target, "unknown compare target");
        }
        return wire;
    }

    private static KeyValue FromWire(GwKeyValue kv) => new(
        Encoding.UTF8.GetString(kv.Key ?? []), kv.Value ?? [], kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease);

    private static RangeResult FromWire(GwRangeResponse r) =>
        new([.. (r.Kvs ?? []).Select(FromWire)], r.Count, r.More, r.Header?.Revision ?? 0);

    private static PutResult FromWire(GwPutResponse r) =>
        new(r.Header?.Revision ?? 0, r.PrevKv is null ? null : FromWire(r.PrevKv));

    private static DeleteResult FromWire(GwDeleteRangeResponse r) => new(r.Deleted, r.Header?.Revision ?? 0);

    private static TxnResult FromWire(GwTxnResponse r) => new(
        r.Succeeded,
        r.Header?.Revision ?? 0,
        [.. (r.Responses ?? []).Select(op => new TxnOpResult(
            op.ResponseRange is null ? null : FromWire(op.ResponseRange),
            op.ResponsePut is null ? null : FromWire(op.ResponsePut),
            op.ResponseDeleteRange is null ? null : FromWire(op.ResponseDeleteRange)))]);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
            Message = "etcd exchange with {Endpoint} failed ({Kind}), attempt {Attempt} of {MaxAttempts}: {Detail}")]
        public static partial void AttemptFailed(ILogger logger, string endpoint, EndpointFailureKind kind, int attempt, int maxAttempts, string detail);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "etcd client failed over from {From} to {To}")]
        public static partial void FailedOver(ILogger logger, string from, string to);
    }
}
