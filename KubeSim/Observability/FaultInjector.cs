using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Observability;

/// <summary>One fault rule: for matching requests, fail with a status or add latency.</summary>
public sealed record FaultRule
{
    /// <summary>Verb to match (get, list, watch, create, update, patch, delete); null matches all.</summary>
    public string? Verb { get; init; }

    /// <summary>Resource plural to match; null matches all.</summary>
    public string? Resource { get; init; }

    /// <summary>Probability in [0,1] that a matching request fails.</summary>
    public double ErrorRate { get; init; }

    /// <summary>HTTP status of injected failures (500 InternalError, 429 TooManyRequests, 503 ServiceUnavailable, 410 Expired...).</summary>
    public int StatusCode { get; init; } = 500;

    public TimeSpan Latency { get; init; }
}

/// <summary>
/// Fault injection for reliability tests: error rates and latency per verb and resource, watch
/// streams dropped at random, and 410 storms (history compaction on demand). Deterministic for a
/// given seed.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock gate = new();
    private readonly List<FaultRule> rules = [];
    private Random random = new(1);

    /// <summary>Probability that a watch stream is closed after any event it would send.</summary>
    public double WatchDropRate { get; set; }

    /// <summary>Extra latency before each admission webhook call ("slow admission").</summary>
    public TimeSpan AdmissionLatency { get; set; }

    public void Seed(int seed)
    {
        lock (gate)
            random = new Random(seed);
    }

    public void Add(FaultRule rule)
    {
        lock (gate)
            rules.Add(rule);
    }

    public void Clear()
    {
        lock (gate)
        {
            rules.Clear();
            WatchDropRate = 0;
            AdmissionLatency = TimeSpan.Zero;
        }
    }

    /// <summary>The matching rule's latency and whether the request must fail with its status code.</summary>
    public (TimeSpan Latency, int? FailWith) Decide(string verb, string resource)
    {
        lock (gate)
        {
            var latency = TimeSpan.Zero;
            int? fail = null;
            foreach (var r in rules)
            {
                if ((r.Verb is null || r.Verb == verb) && (r.Resource is null || r.Resource == resource))
                {
                    latency += r.Latency;
                    if (fail is null && r.ErrorRate > 0 && random.NextDouble() < r.ErrorRate)
                        fail = r.StatusCode;
                }
            }
            return (latency, fail);
        }
    }

    public bool ShouldDropWatch(ResourceType type)
    {
        if (WatchDropRate <= 0)
            return false;
        lock (gate)
            return random.NextDouble() < WatchDropRate;
    }
}
