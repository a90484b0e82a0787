using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using MultigresOrleans.Runtime.Testing;
using Xunit.Abstractions;

namespace MultigresOrleans.Runtime.Tests;

/// <summary>Measures call latency (printed, not asserted tightly: the machine is shared).</summary>
public sealed class LatencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Local_and_cross_silo_call_latency()
    {
        var probe = new Probe();
        var (silo, _, _) = await TestSilo.StartAsync(probe: probe, time: new FakeTimeProvider());
        await using var _silo = silo;
        var local = await Measure("local call (same silo)", silo.GrainFactory.GetGrain<ICounterGrain>("lat"));

        await using var cluster = await InProcessCluster.StartAsync(2, b =>
        {
            b.AddGrain<ICounterGrain, CounterGrain>().AddMemoryGrainStorage().UseTimeProvider(new FakeTimeProvider());
            b.Services.AddSingleton(probe);
        });
        var key = Enumerable.Range(0, 1000).Select(i => $"x{i}").First(k => cluster.Map.OwnerOf(new GrainId("counter", k)) == "silo-1");
        var cross = await Measure("silo-0 → silo-1 (in-process transport)", cluster.Silo("silo-0").GrainFactory.GetGrain<ICounterGrain>(key));

        Assert.True(local > TimeSpan.Zero);
        Assert.True(cross > TimeSpan.Zero);
    }

    private async Task<TimeSpan> Measure(string what, ICounterGrain grain)
    {
        const int warmup = 2_000;
        const int calls = 20_000;
        for (var i = 0; i < warmup; i++)
            await grain.Increment();
        var samples = new double[calls];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await grain.Increment();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        total.Stop();
        Array.Sort(samples);
        double P(double q) => samples[(int)Math.Min(samples.Length - 1, q * samples.Length)];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: p50 {P(0.50):F1} µs, p99 {P(0.99):F1} µs, max {samples[^1]:F0} µs, {calls / total.Elapsed.TotalSeconds:F0} calls/s sequential"));
        return TimeSpan.FromMicroseconds(P(0.5));
    }
}
