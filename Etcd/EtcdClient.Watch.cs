using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>
    /// Streams changes to a key or prefix, in revision order, until <paramref name="cancellationToken"/>
    /// is cancelled. From <paramref name="startRevision"/> when given (0 = from now).
    /// </summary>
    /// <remarks>
    /// The gateway streams one JSON object per line over a response that never ends by itself. When
    /// the stream breaks, the watch is reopened (on the next endpoint if this one is gone) from the
    /// revision after the last one delivered, so no change is lost or repeated; after
    /// <see cref="EtcdClientOptions.MaxAttempts"/> consecutive failed opens it reports
    /// <see cref="EtcdUnavailableException"/>. History that etcd has compacted cannot be replayed:
    /// that ends the watch with <see cref="EtcdCompactedException"/>.
    /// </remarks>
    public async IAsyncEnumerable<WatchBatch> WatchAsync(string key, bool prefix = false, long startRevision = 0, bool prevKv = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (keyBytes, end) = KeyRange(key, prefix);
        var next = startRevision;
        var failures = new List<EndpointFailure>();
        var backoff = _options.InitialBackoff;
        var index = Volatile.Read(ref _preferred);

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (failures.Count >= _options.EffectiveMaxAttempts)
                throw new EtcdUnavailableException(_endpoints, [.. failures]);
            if (failures.Count > 0 && failures.Count % _endpoints.Length == 0)
            {
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }

            var endpoint = _endpoints[index];
            var body = JsonSerializer.SerializeToUtf8Bytes(new GwWatchRequest
            {
                CreateRequest = new GwWatchCreateRequest { Key = keyBytes, RangeEnd = end, StartRevision = next == 0 ? null : next, PrevKv = prevKv ? true : null },
            }, GatewayWatchJsonContext.Default.GwWatchRequest);

            HttpResponseMessage? response = null;
            EndpointFailure? failure = null;
            using (var timeout = new CancellationTokenSource(_options.RequestTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    // Only opening the stream is bounded by RequestTimeout; the stream itself lives on.
                    using var message = new HttpRequestMessage(HttpMethod.Post, endpoint + "/v3/watch")
                    {
                        Content = new ByteArrayContent(body) { Headers = { ContentType = JsonContentType } },
                    };
                    response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                    {
                        failure = new EndpointFailure(endpoint, EndpointFailureKind.ServerUnavailable, $"HTTP {(int)response.StatusCode}");
                        response.Dispose();
                        response = null;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException)
                {
                    failure = new EndpointFailure(endpoint, EndpointFailureKind.TimedOut, "watch stream did not open in time");
                }
                catch (HttpRequestException e)
                {
                    failure = new EndpointFailure(endpoint, IsConnectFailure(e) ? EndpointFailureKind.ConnectionFailed : EndpointFailureKind.ConnectionLost, e.Message);
                }
            }

            if (response is null)
            {
                failures.Add(failure!);
                Log.AttemptFailed(_logger, endpoint, failure!.Kind, failures.Count, _options.EffectiveMaxAttempts, failure.Detail);
                index = (index + 1) % _endpoints.Length;
                continue;
            }

            using (response)
            {
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var lines = new LineReader(stream);
                while (true)
                {
                    string? line;
                    try
                    {
                        line = await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        Log.WatchBroken(_logger, endpoint, next, e.Message);
                        line = null;
                    }
                    if (line is null)
                    {
                        // The stream ended or was cut, possibly mid-line: reopen from where we are.
                        failures.Add(new EndpointFailure(endpoint, EndpointFailureKind.ConnectionLost, "watch stream ended"));
                        index = (index + 1) % _endpoints.Length;
                        break;
                    }
                    if (line.Length == 0) continue;

                    var parsed = JsonSerializer.Deserialize(line, GatewayWatchJsonContext.Default.GwWatchLine);
                    if (parsed?.Error is { } error)
                        throw new EtcdServerException(endpoint, error.Code, error.Message ?? error.Error ?? line);
                    var result = parsed?.Result;
                    if (result is null) continue;
                    if (result.Canceled)
                    {
                        if (result.CompactRevision > 0) throw new EtcdCompactedException(result.CompactRevision);
                        throw new EtcdServerException(endpoint, 1, result.CancelReason ?? "watch canceled by the server");
                    }

                    // Any message proves the endpoint healthy again.
                    failures.Clear();
                    backoff = _options.InitialBackoff;
                    Volatile.Write(ref _preferred, index);
                    var revision = result.Header?.Revision ?? 0;
                    if (result.Created)
                    {
                        // "From now" becomes concrete, so a reopen neither skips nor repeats.
                        if (next == 0) next = revision + 1;
                        continue;
                    }
                    if (result.Events is not { Count: > 0 } events) continue;
                    var batch = new WatchBatch(revision, [.. events.Select(e => new WatchEvent(
                        e.Type == "DELETE" ? WatchEventType.Delete : WatchEventType.Put,
                        FromWire(e.Kv ?? new GwKeyValue()),
                        e.PrevKv is null ? null : FromWire(e.PrevKv)))]);
                    next = batch.Events.Max(e => e.Kv.ModRevision) + 1;
                    yield return batch;
                }
            }
        }
    }

    /// <summary>
    /// Splits a stream into complete newline-terminated lines. A last line without its newline is a
    /// cut stream, not a message, so it is dropped (reported as end of stream) instead of parsed.
    /// </summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _chunk = new byte[16 * 1024];
        private readonly List<byte> _pending = [];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var newline = Array.IndexOf(_chunk, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    _pending.AddRange(_chunk.AsSpan(_start, newline - _start));
                    _start = newline + 1;
                    var line = System.Text.Encoding.UTF8.GetString([.. _pending]);
                    _pending.Clear();
                    return line;
                }
                _pending.AddRange(_chunk.AsSpan(_start, _end - _start));
                _start = 0;
                _end = await stream.ReadAsync(_chunk, cancellationToken).ConfigureAwait(false);
                if (_end == 0) return null;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "etcd watch stream from {Endpoint} broke; resuming at revision {Revision}: {Detail}")]
        public static partial void WatchBroken(ILogger logger, string endpoint, long revision, string detail);
    }
}
