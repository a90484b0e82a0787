using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MultigresOrleans.Runtime;

/// <summary>
/// The runtime's <see cref="System.Diagnostics.Metrics"/> instruments (meter
/// <c>MultigresOrleans.Runtime</c>), tagged with <c>silo</c> and <c>grain.type</c>, for the
/// Prometheus exporter and the dashboard. Durations use the injected clock's timestamps.
/// </summary>
internal static class RuntimeMetrics
{
    public const string MeterName = "MultigresOrleans.Runtime";

    private static readonly Meter Meter = new(MeterName);

    // The started silos of this process. The observable gauges below read them when a listener
    // collects, so nothing is computed on the call path and a stopped silo simply disappears.
    private static readonly ConcurrentDictionary<SiloRuntime, byte> Observed = new();

    public static readonly Counter<long> Calls = Meter.CreateCounter<long>("grain.calls", "{call}", "Grain calls executed by this silo");

    public static readonly Counter<long> CallFailures = Meter.CreateCounter<long>("grain.call.failures", "{call}", "Grain calls that ended with an exception");

    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>("grain.call.duration", "ms", "Time from a call's arrival at its owner to its completion");

    public static readonly UpDownCounter<long> Activations = Meter.CreateUpDownCounter<long>("grain.activations", "{activation}", "Live activations");

    public static readonly ObservableGauge<int> PartitionsOwned = Meter.CreateObservableGauge(
        "grain.partitions.owned", ObservePartitionsOwned, "{partition}", "Partitions this silo serves now (owned by the current map and its lease valid)");

    public static readonly ObservableGauge<long> MapVersion = Meter.CreateObservableGauge(
        "grain.map.version", ObserveMapVersion, "{version}", "Version of the newest partition map this silo has seen");

    /// <summary>Reports <paramref name="runtime"/> through the observable gauges until the returned handle is disposed.</summary>
    public static IDisposable Observe(SiloRuntime runtime)
    {
        Observed.TryAdd(runtime, 0);
        return new Registration(runtime);
    }

    public static TagList Tags(string silo, GrainId grainId) => new() { { "silo", silo }, { "grain.type", grainId.Type } };

    private static Measurement<int>[] ObservePartitionsOwned() =>
        [.. Observed.Keys.Select(r => new Measurement<int>(
            Enumerable.Range(0, r.Options.PartitionCount).Count(r.Membership.IsOwnedLocally),
            new KeyValuePair<string, object?>("silo", r.Options.SiloName)))];

    private static Measurement<long>[] ObserveMapVersion() =>
        [.. Observed.Keys.Select(r => new Measurement<long>(r.Membership.CurrentMap.Version, new KeyValuePair<string, object?>("silo", r.Options.SiloName)))];

    private sealed class Registration(SiloRuntime runtime) : IDisposable
    {
        public void Dispose() => Observed.TryRemove(runtime, out _);
    }
}
