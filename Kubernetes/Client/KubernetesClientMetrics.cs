using System.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>One request outcome: verb (get, list, watch, create, update, patch, apply, delete), resource, and HTTP code (0 when no response arrived).</summary>
public readonly record struct RequestKey(string Verb, string Resource, int Code);

/// <summary>
/// Request counters by verb, resource and status code, kept in memory for tests and benchmarks
/// and also published as OpenTelemetry-compatible instruments on the
/// <c>MultigresOrleans.Kubernetes.Client</c> meter. Every attempt counts, retries included,
/// because that is the load the API server sees.
/// </summary>
public sealed class KubernetesClientMetrics : IDisposable
{
    public const string MeterName = "MultigresOrleans.Kubernetes.Client";

    private readonly ConcurrentDictionary<RequestKey, long> _counts = new();
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _duration;
    private long _retryCount;
    private long _rateLimitedTicks;

    public KubernetesClientMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("kubernetes.client.requests", description: "API requests sent, by verb, resource and status code");
        _retries = _meter.CreateCounter<long>("kubernetes.client.retries", description: "Requests retried after a retryable failure");
        _duration = _meter.CreateHistogram<double>("kubernetes.client.request.duration", unit: "s", description: "Time to response headers (to the end of the body for non-watch requests)");
    }

    public long Count(string verb, string resource, int code) => _counts.TryGetValue(new RequestKey(verb, resource, code), out var n) ? n : 0;

    /// <summary>All requests of a verb on a resource, whatever their outcome.</summary>
    public long Count(string verb, string resource) => _counts.Where(kv => kv.Key.Verb == verb && kv.Key.Resource == resource).Sum(kv => kv.Value);

    public IReadOnlyDictionary<RequestKey, long> Snapshot() => new Dictionary<RequestKey, long>(_counts);

    public long Total => _counts.Values.Sum();

    public long Retries => Interlocked.Read(ref _retryCount);

    /// <summary>Total time requests spent waiting for the client-side rate limiter.</summary>
    public TimeSpan RateLimiterWait => TimeSpan.FromTicks(Interlocked.Read(ref _rateLimitedTicks));

    internal void Record(string verb, string resource, int code, TimeSpan duration)
    {
        _counts.AddOrUpdate(new RequestKey(verb, resource, code), 1, static (_, n) => n + 1);
        var tags = new TagList { { "verb", verb }, { "resource", resource }, { "code", code } };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    internal void RecordRetry(string verb, string resource)
    {
        Interlocked.Increment(ref _retryCount);
        _retries.Add(1, new TagList { { "verb", verb }, { "resource", resource } });
    }

    internal void RecordRateLimiterWait(TimeSpan wait) => Interlocked.Add(ref _rateLimitedTicks, wait.Ticks);

    public void Dispose() => _meter.Dispose();
}
