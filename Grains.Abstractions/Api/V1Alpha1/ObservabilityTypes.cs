using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>
/// OpenTelemetry settings for data-plane containers (§10.4). When the whole object is absent the
/// pods inherit the operator's own OTEL environment; <c>otlpEndpoint: disabled</c> turns OTEL off.
/// </summary>
public sealed record ObservabilityConfig
{
    [JsonPropertyName("otlpEndpoint")]
    public string? OtlpEndpoint { get; init; }

    [JsonPropertyName("otlpMetricsEndpoint")]
    public string? OtlpMetricsEndpoint { get; init; }

    [JsonPropertyName("otlpProtocol")]
    public OtlpProtocol? OtlpProtocol { get; init; }

    [JsonPropertyName("tracesExporter")]
    public OtelExporter? TracesExporter { get; init; }

    [JsonPropertyName("metricsExporter")]
    public OtelExporter? MetricsExporter { get; init; }

    [JsonPropertyName("logsExporter")]
    public OtelExporter? LogsExporter { get; init; }

    /// <summary>Milliseconds, as text (OTEL_METRIC_EXPORT_INTERVAL).</summary>
    [JsonPropertyName("metricExportInterval")]
    public string? MetricExportInterval { get; init; }

    [JsonPropertyName("metricsTemporality")]
    public MetricsTemporality? MetricsTemporality { get; init; }

    [JsonPropertyName("histogramAggregation")]
    public HistogramAggregation? HistogramAggregation { get; init; }

    [JsonPropertyName("tracesSampler")]
    public string? TracesSampler { get; init; }

    [JsonPropertyName("samplingConfigRef")]
    public SamplingConfigRef? SamplingConfigRef { get; init; }
}

/// <summary>A ConfigMap holding the file-based sampler config (tracesSampler <c>multigres_custom</c>).</summary>
public sealed record SamplingConfigRef
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("key"), SchemaDefault("\"sampling-config.yaml\"")]
    public string? Key { get; init; }
}
