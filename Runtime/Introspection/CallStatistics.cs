using System.Collections.Concurrent;

namespace MultigresOrleans.Runtime.Introspection;

/// <summary>
/// Per-grain-type call counters of one silo. Recording a call is one dictionary lookup (no
/// allocation once the type was seen) and a few <see cref="Interlocked"/> operations, so it can sit
/// on the call path next to the System.Diagnostics.Metrics instruments.
/// </summary>
internal sealed class CallStatistics
{
    private readonly ConcurrentDictionary<string, TypeStats> byType = new(StringComparer.Ordinal);

    public void Record(string grainType, double milliseconds, bool failed) =>
        byType.GetOrAdd(grainType, static _ => new TypeStats()).Record(milliseconds, failed);

    public IReadOnlyList<GrainTypeCallStats> Snapshot() =>
        [.. byType.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.Snapshot(p.Key))];

    private sealed class TypeStats
    {
        private readonly long[] buckets = new long[LatencyBuckets.BoundsMs.Length + 1];
        private long calls;
        private long failures;
        private long sumMicroseconds;

        public void Record(double milliseconds, bool failed)
        {
            Interlocked.Increment(ref calls);
            if (failed)
                Interlocked.Increment(ref failures);
            Interlocked.Increment(ref buckets[LatencyBuckets.IndexOf(milliseconds)]);
            // Microseconds in a long: a sum that a double could not update atomically, and 292,000 years of headroom.
            Interlocked.Add(ref sumMicroseconds, (long)(milliseconds * 1000));
        }

        public GrainTypeCallStats Snapshot(string grainType)
        {
            var counts = new long[buckets.Length];
            for (var i = 0; i < counts.Length; i++)
                counts[i] = Interlocked.Read(ref buckets[i]);
            return new GrainTypeCallStats(
                grainType,
                Interlocked.Read(ref calls),
                Interlocked.Read(ref failures),
                LatencyBuckets.Histogram(counts, Interlocked.Read(ref sumMicroseconds) / 1000.0));
        }
    }
}

/// <summary>The fixed latency buckets and the percentile estimate over them.</summary>
internal static class LatencyBuckets
{
    /// <summary>Upper bounds in milliseconds (the last bucket, above 1000 ms, is +∞).</summary>
    public static readonly double[] BoundsMs = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000];

    // What snapshots hand out: one shared read-only view, so no caller can change the bounds.
    private static readonly IReadOnlyList<double> PublishedBounds = Array.AsReadOnly(BoundsMs);

    /// <summary>The bucket of a duration: the first bound it does not exceed, else the +∞ bucket.</summary>
    public static int IndexOf(double milliseconds)
    {
        var bounds = BoundsMs;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (milliseconds <= bounds[i])
                return i;
        }

        return bounds.Length;
    }

    public static LatencyHistogram Histogram(long[] counts, double sumMs)
    {
        var total = counts.Sum();
        return new LatencyHistogram(PublishedBounds, counts, total, sumMs, Quantile(counts, total, 0.5), Quantile(counts, total, 0.99));
    }

    /// <summary>
    /// The q-quantile estimated Prometheus-style: find the bucket holding rank q·total and interpolate
    /// linearly between its lower and upper bound. A rank in the +∞ bucket reports the last finite
    /// bound (nothing better is known).
    /// </summary>
    public static double Quantile(long[] counts, long total, double q)
    {
        if (total == 0)
            return 0;
        var rank = q * total;
        long cumulative = 0;
        for (var i = 0; i < BoundsMs.Length; i++)
        {
            var inBucket = counts[i];
            if (inBucket > 0 && cumulative + inBucket >= rank)
            {
                var lower = i == 0 ? 0 : BoundsMs[i - 1];
                return lower + ((BoundsMs[i] - lower) * ((rank - cumulative) / inBucket));
            }

            cumulative += inBucket;
        }

        return BoundsMs[^1];
    }
}
