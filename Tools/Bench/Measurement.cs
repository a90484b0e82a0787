using System.Diagnostics;
using System.Globalization;

namespace MultigresOrleans.Bench;

/// <summary>Percentiles of one measured operation, in milliseconds.</summary>
internal sealed record Percentiles(double P50, double P99, double Max);

/// <summary>Sequential wall-clock measurement: every benchmark here runs one operation at a time after a warm-up.</summary>
internal static class Measurement
{
    public static async Task<Percentiles> MeasureAsync(int warmup, int iterations, Func<int, Task> once)
    {
        for (var i = 0; i < warmup; i++)
            await once(iterations + i);
        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await once(i);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return Of(samples);
    }

    /// <summary>Nearest-rank percentiles of <paramref name="samples"/> (milliseconds; sorted in place).</summary>
    public static Percentiles Of(double[] samples)
    {
        Array.Sort(samples);
        double Rank(double q) => samples[Math.Max(0, (int)Math.Ceiling(samples.Length * q) - 1)];
        return new Percentiles(Rank(0.50), Rank(0.99), samples[^1]);
    }

    public static string Line(string what, Percentiles p) =>
        string.Create(CultureInfo.InvariantCulture, $"  {what,-44} p50 {p.P50,8:F2} ms   p99 {p.P99,8:F2} ms   max {p.Max,8:F2} ms");

    /// <summary>The same in microseconds, for operations well under a millisecond.</summary>
    public static string LineMicroseconds(string what, Percentiles p) =>
        string.Create(CultureInfo.InvariantCulture, $"  {what,-44} p50 {p.P50 * 1000,8:F1} µs   p99 {p.P99 * 1000,8:F1} µs   max {p.Max * 1000,8:F1} µs");
}
