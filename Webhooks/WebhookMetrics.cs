using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// Spec §10.1's webhook instruments on the "MultigresOrleans.Webhooks" meter; the Prometheus
/// exporter adds the <c>multigres_operator_</c> namespace. Unlike the reference, every path records
/// (templates and children included), so a slow or failing path is never invisible.
/// </summary>
public sealed class WebhookMetrics : IDisposable
{
    public const string MeterName = "MultigresOrleans.Webhooks";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public WebhookMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("webhook_request_total", description: "Admission requests by operation, resource and result.");
        _duration = _meter.CreateHistogram<double>("webhook_request_duration_seconds", unit: "s",
            description: "Admission request latency.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public void Record(string operation, string resource, bool success, TimeSpan elapsed)
    {
        _requests.Add(1, new TagList { { "operation", operation }, { "resource", resource }, { "result", success ? "success" : "error" } });
        _duration.Record(elapsed.TotalSeconds, new TagList { { "operation", operation }, { "resource", resource } });
    }

    public void Dispose() => _meter.Dispose();
}
