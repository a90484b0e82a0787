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

    public static readonly Counter<long> Calls = Meter.CreateCounter<long>("grain.calls", "{call}", "Grain calls executed by this silo");

    public static readonly Counter<long> CallFailures = Meter.CreateCounter<long>("grain.call.failures", "{call}", "Grain calls that ended with an exception");

    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>("grain.call.duration", "ms", "Time from a call's arrival at its owner to its completion");

    public static readonly UpDownCounter<long> Activations = Meter.CreateUpDownCounter<long>("grain.activations", "{activation}", "Live activations");

    public static TagList Tags(string silo, GrainId grainId) => new() { { "silo", silo }, { "grain.type", grainId.Type } };
}
