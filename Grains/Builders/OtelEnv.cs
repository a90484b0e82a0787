using System.Text;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Builders;

/// <summary>
/// The operator process's own OTEL_* environment, captured once per reconcile. Data-plane pods inherit
/// these values wherever the cluster's <see cref="ObservabilityConfig"/> leaves a setting empty (spec §10.4),
/// so the builders take them as a value instead of reading the process environment: that keeps them pure
/// and lets a test pin exactly what the operator "saw".
/// </summary>
public sealed record OperatorEnvironment
{
    public string? OtlpEndpoint { get; init; }
    public string? OtlpMetricsEndpoint { get; init; }
    public string? OtlpProtocol { get; init; }
    public string? TracesExporter { get; init; }
    public string? MetricsExporter { get; init; }
    public string? LogsExporter { get; init; }
    public string? MetricExportInterval { get; init; }
    public string? MetricsTemporality { get; init; }
    public string? HistogramAggregation { get; init; }
    public string? TracesSampler { get; init; }
    public string? ResourceAttributes { get; init; }

    /// <summary>An operator with no OTEL configuration at all: only the cluster's own settings count.</summary>
    public static OperatorEnvironment Empty { get; } = new();

    /// <summary>Reads the OTEL_* variables through <paramref name="getEnv"/> (normally <see cref="Environment.GetEnvironmentVariable(string)"/>).</summary>
    public static OperatorEnvironment FromEnvironment(Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        return new OperatorEnvironment
        {
            OtlpEndpoint = getEnv(OtelEnv.Names.Endpoint),
            OtlpMetricsEndpoint = getEnv(OtelEnv.Names.MetricsEndpoint),
            OtlpProtocol = getEnv(OtelEnv.Names.Protocol),
            TracesExporter = getEnv(OtelEnv.Names.TracesExporter),
            MetricsExporter = getEnv(OtelEnv.Names.MetricsExporter),
            LogsExporter = getEnv(OtelEnv.Names.LogsExporter),
            MetricExportInterval = getEnv(OtelEnv.Names.MetricExportInterval),
            MetricsTemporality = getEnv(OtelEnv.Names.MetricsTemporality),
            HistogramAggregation = getEnv(OtelEnv.Names.HistogramAggregation),
            TracesSampler = getEnv(OtelEnv.Names.TracesSampler),
            ResourceAttributes = getEnv(OtelEnv.Names.ResourceAttributes),
        };
    }
}

/// <summary>
/// <c>BuildOTELEnvVars</c> / <c>BuildOTELEnvVarsWithResourceAttributes</c> (spec §10.4): the OTEL environment of a
/// data-plane container. The order of the variables is fixed because it feeds the pool pods' spec-hash (§6.6.5):
/// a reordering would roll every pod of every cluster.
/// </summary>
public static class OtelEnv
{
    /// <summary>The environment variable names, shared with <see cref="OperatorEnvironment.FromEnvironment"/>.</summary>
    public static class Names
    {
        public const string Endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
        public const string MetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
        public const string Protocol = "OTEL_EXPORTER_OTLP_PROTOCOL";
        public const string TracesExporter = "OTEL_TRACES_EXPORTER";
        public const string MetricsExporter = "OTEL_METRICS_EXPORTER";
        public const string LogsExporter = "OTEL_LOGS_EXPORTER";
        public const string MetricExportInterval = "OTEL_METRIC_EXPORT_INTERVAL";
        public const string MetricsTemporality = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
        public const string HistogramAggregation = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION";
        public const string TracesSampler = "OTEL_TRACES_SAMPLER";
        public const string ResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";
        public const string TracesSamplerConfig = "OTEL_TRACES_SAMPLER_CONFIG";
    }

    /// <summary>The endpoint value that switches OTEL off for the data plane even when the operator itself exports.</summary>
    public const string Disabled = "disabled";

    public const string SamplingVolumeName = "otel-sampling-config";
    public const string SamplingMountPath = "/etc/otel";
    public const string DefaultSamplingKey = "sampling-config.yaml";

    public const string ProjectAttribute = "multigres.project";
    public const string ClusterAttribute = "multigres.cluster";
    public const string ComponentAttribute = "multigres.component";

    /// <summary>OTEL env for containers that carry no resource attributes (multiadmin).</summary>
    public static List<EnvVar> Build(ObservabilityConfig? cfg, OperatorEnvironment env) => BuildCore(cfg, env, resourceAttributes: null);

    /// <summary>
    /// OTEL env for runtime containers (multigateway, multiorch, multipooler, pgctld): the same variables plus
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c> naming the project, cluster and component, so every signal from the data
    /// plane can be attributed without relying on the collector's Kubernetes enrichment.
    /// </summary>
    public static List<EnvVar> BuildWithResourceAttributes(ObservabilityConfig? cfg, OperatorEnvironment env, string project, string cluster, string component) =>
        BuildCore(cfg, env, ResourceAttributes(env.ResourceAttributes, project, cluster, component));

    /// <summary>The ConfigMap volume and read-only mount for the file-based sampler, or null when no samplingConfigRef is set.</summary>
    public static (Volume Volume, VolumeMount Mount)? SamplingVolume(ObservabilityConfig? cfg)
    {
        if (cfg?.SamplingConfigRef is not { } reference)
            return null;
        var volume = new Volume
        {
            Name = SamplingVolumeName,
            ConfigMap = new JsonObject { ["name"] = reference.Name },
        };
        var mount = new VolumeMount { Name = SamplingVolumeName, MountPath = SamplingMountPath, ReadOnly = true };
        return (volume, mount);
    }

    /// <summary>
    /// The <c>OTEL_RESOURCE_ATTRIBUTES</c> value: the operator's own entries (minus any that would collide with the
    /// generated keys, so the generated values always win) followed by project, cluster and component.
    /// </summary>
    public static string ResourceAttributes(string? operatorAttributes, string project, string cluster, string component)
    {
        var generated = new List<string>(3);
        var projectValue = string.IsNullOrEmpty(project) ? cluster : project;
        if (!string.IsNullOrEmpty(projectValue))
            generated.Add($"{ProjectAttribute}={projectValue}");
        if (!string.IsNullOrEmpty(cluster))
            generated.Add($"{ClusterAttribute}={cluster}");
        if (!string.IsNullOrEmpty(component))
            generated.Add($"{ComponentAttribute}={component}");

        var entries = new List<string>();
        foreach (var part in SplitUnescaped(operatorAttributes ?? ""))
        {
            var entry = part.Trim();
            if (entry.Length == 0)
                continue;
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var key = (equals < 0 ? entry : entry[..equals]).Trim();
            if (key is ProjectAttribute or ClusterAttribute or ComponentAttribute)
                continue;
            entries.Add(entry);
        }

        entries.AddRange(generated);
        return string.Join(',', entries);
    }

    private static List<EnvVar> BuildCore(ObservabilityConfig? cfg, OperatorEnvironment env, string? resourceAttributes)
    {
        ArgumentNullException.ThrowIfNull(env);
        var endpoint = Pick(cfg?.OtlpEndpoint, env.OtlpEndpoint);
        var metricsEndpoint = Pick(cfg?.OtlpMetricsEndpoint, env.OtlpMetricsEndpoint);
        if (endpoint == Disabled || (endpoint is null && metricsEndpoint is null))
            return [];

        var vars = new List<EnvVar>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                vars.Add(new EnvVar { Name = name, Value = value });
        }

        Add(Names.Endpoint, endpoint);
        Add(Names.MetricsEndpoint, metricsEndpoint);
        Add(Names.Protocol, Pick(ProtocolText(cfg?.OtlpProtocol), env.OtlpProtocol));
        Add(Names.TracesExporter, Pick(ExporterText(cfg?.TracesExporter), env.TracesExporter));
        Add(Names.MetricsExporter, Pick(ExporterText(cfg?.MetricsExporter), env.MetricsExporter));
        Add(Names.LogsExporter, Pick(ExporterText(cfg?.LogsExporter), env.LogsExporter));
        Add(Names.MetricExportInterval, Pick(cfg?.MetricExportInterval, env.MetricExportInterval));
        Add(Names.MetricsTemporality, Pick(TemporalityText(cfg?.MetricsTemporality), env.MetricsTemporality));
        Add(Names.HistogramAggregation, Pick(HistogramText(cfg?.HistogramAggregation), env.HistogramAggregation));
        Add(Names.TracesSampler, Pick(cfg?.TracesSampler, env.TracesSampler));
        if (resourceAttributes is not null)
            Add(Names.ResourceAttributes, resourceAttributes);
        if (cfg?.SamplingConfigRef is { } reference)
            Add(Names.TracesSamplerConfig, $"{SamplingMountPath}/{(string.IsNullOrEmpty(reference.Key) ? DefaultSamplingKey : reference.Key)}");
        return vars;
    }

    /// <summary>The CRD value wins; the operator's value fills in; empty counts as unset on both sides.</summary>
    private static string? Pick(string? crd, string? operatorValue) =>
        !string.IsNullOrEmpty(crd) ? crd : !string.IsNullOrEmpty(operatorValue) ? operatorValue : null;

    /// <summary>Splits on commas not preceded by a backslash; escapes are kept verbatim because the SDK reading the value unescapes them.</summary>
    private static IEnumerable<string> SplitUnescaped(string value)
    {
        var current = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length)
            {
                current.Append(c).Append(value[i + 1]);
                i++;
                continue;
            }

            if (c == ',')
            {
                yield return current.ToString();
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        yield return current.ToString();
    }

    private static string? ProtocolText(OtlpProtocol? value) => value switch
    {
        OtlpProtocol.HttpProtobuf => "http/protobuf",
        OtlpProtocol.Grpc => "grpc",
        _ => null,
    };

    private static string? ExporterText(OtelExporter? value) => value switch
    {
        OtelExporter.Otlp => "otlp",
        OtelExporter.None => "none",
        OtelExporter.Console => "console",
        _ => null,
    };

    private static string? TemporalityText(MetricsTemporality? value) => value switch
    {
        MetricsTemporality.Cumulative => "cumulative",
        MetricsTemporality.Delta => "delta",
        _ => null,
    };

    private static string? HistogramText(HistogramAggregation? value) => value switch
    {
        HistogramAggregation.Base2ExponentialBucketHistogram => "base2_exponential_bucket_histogram",
        HistogramAggregation.ExplicitBucketHistogram => "explicit_bucket_histogram",
        _ => null,
    };
}
