using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders;

/// <summary>The OTEL propagation rules of spec §10.4: fallback, order, suppression, resource attributes, sampler file.</summary>
public sealed class OtelEnvTests
{
    private static string[] Names(List<EnvVar> vars) => vars.Select(v => v.Name).ToArray();

    private static string? Value(List<EnvVar> vars, string name) => vars.SingleOrDefault(v => v.Name == name)?.Value;

    [Fact]
    public void No_endpoint_anywhere_means_no_env()
    {
        Assert.Empty(OtelEnv.Build(null, OperatorEnvironment.Empty));
        Assert.Empty(OtelEnv.Build(new ObservabilityConfig { TracesSampler = "always_on" }, OperatorEnvironment.Empty));
        Assert.Empty(OtelEnv.BuildWithResourceAttributes(null, OperatorEnvironment.Empty, "p", "c", "multiorch"));
    }

    [Fact]
    public void Disabled_endpoint_suppresses_everything_even_with_operator_env()
    {
        var env = new OperatorEnvironment { OtlpEndpoint = "http://collector:4318", OtlpMetricsEndpoint = "http://m:4318", TracesSampler = "always_on" };
        var cfg = new ObservabilityConfig { OtlpEndpoint = "disabled", SamplingConfigRef = new SamplingConfigRef { Name = "s" } };
        Assert.Empty(OtelEnv.Build(cfg, env));
        Assert.Empty(OtelEnv.BuildWithResourceAttributes(cfg, env, "p", "c", "multigateway"));
    }

    [Fact]
    public void Operator_env_disabled_also_suppresses()
    {
        Assert.Empty(OtelEnv.Build(null, new OperatorEnvironment { OtlpEndpoint = "disabled", OtlpMetricsEndpoint = "http://m" }));
    }

    [Fact]
    public void Metrics_endpoint_alone_is_enough()
    {
        var vars = OtelEnv.Build(new ObservabilityConfig { OtlpMetricsEndpoint = "http://m:4318" }, OperatorEnvironment.Empty);
        Assert.Equal(["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"], Names(vars));
        Assert.Equal("http://m:4318", vars[0].Value);
    }

    [Fact]
    public void Operator_env_is_inherited_when_the_cluster_has_no_observability()
    {
        var env = OperatorEnvironment.FromEnvironment(name => name switch
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://collector:4318",
            "OTEL_EXPORTER_OTLP_PROTOCOL" => "grpc",
            "OTEL_TRACES_SAMPLER" => "parentbased_always_on",
            _ => null,
        });
        var vars = OtelEnv.Build(null, env);
        Assert.Equal(["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_TRACES_SAMPLER"], Names(vars));
        Assert.Equal("http://collector:4318", Value(vars, "OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Equal("grpc", Value(vars, "OTEL_EXPORTER_OTLP_PROTOCOL"));
    }

    [Fact]
    public void Every_variable_in_spec_order_with_crd_values_overriding_env()
    {
        var env = new OperatorEnvironment
        {
            OtlpEndpoint = "http://env:4318",
            OtlpProtocol = "grpc",
            TracesExporter = "console",
            MetricExportInterval = "60000",
            ResourceAttributes = "deployment.environment=prod",
        };
        var cfg = new ObservabilityConfig
        {
            OtlpEndpoint = "http://crd:4318",
            OtlpMetricsEndpoint = "http://crd-metrics:4318",
            OtlpProtocol = OtlpProtocol.HttpProtobuf,
            TracesExporter = OtelExporter.Otlp,
            MetricsExporter = OtelExporter.None,
            LogsExporter = OtelExporter.Console,
            MetricsTemporality = MetricsTemporality.Delta,
            HistogramAggregation = HistogramAggregation.Base2ExponentialBucketHistogram,
            TracesSampler = "multigres_custom",
            SamplingConfigRef = new SamplingConfigRef { Name = "sampling", Key = "rules.yaml" },
        };

        var vars = OtelEnv.BuildWithResourceAttributes(cfg, env, "proj-1", "minimal", "multipooler");

        Assert.Equal(
            [
                "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
                "OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER", "OTEL_METRIC_EXPORT_INTERVAL",
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
                "OTEL_TRACES_SAMPLER", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER_CONFIG",
            ],
            Names(vars));
        Assert.Equal("http://crd:4318", Value(vars, "OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Equal("http/protobuf", Value(vars, "OTEL_EXPORTER_OTLP_PROTOCOL"));
        Assert.Equal("otlp", Value(vars, "OTEL_TRACES_EXPORTER"));
        Assert.Equal("none", Value(vars, "OTEL_METRICS_EXPORTER"));
        Assert.Equal("console", Value(vars, "OTEL_LOGS_EXPORTER"));
        Assert.Equal("60000", Value(vars, "OTEL_METRIC_EXPORT_INTERVAL"));
        Assert.Equal("delta", Value(vars, "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"));
        Assert.Equal("base2_exponential_bucket_histogram", Value(vars, "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"));
        Assert.Equal("multigres_custom", Value(vars, "OTEL_TRACES_SAMPLER"));
        Assert.Equal(
            "deployment.environment=prod,multigres.project=proj-1,multigres.cluster=minimal,multigres.component=multipooler",
            Value(vars, "OTEL_RESOURCE_ATTRIBUTES"));
        Assert.Equal("/etc/otel/rules.yaml", Value(vars, "OTEL_TRACES_SAMPLER_CONFIG"));
    }

    [Fact]
    public void Build_without_resource_attributes_never_emits_them()
    {
        var env = new OperatorEnvironment { OtlpEndpoint = "http://e", ResourceAttributes = "a=b" };
        Assert.DoesNotContain("OTEL_RESOURCE_ATTRIBUTES", Names(OtelEnv.Build(null, env)));
    }

    [Fact]
    public void Sampler_config_defaults_to_sampling_config_yaml()
    {
        var cfg = new ObservabilityConfig { OtlpEndpoint = "http://e", SamplingConfigRef = new SamplingConfigRef { Name = "cm" } };
        var vars = OtelEnv.Build(cfg, OperatorEnvironment.Empty);
        Assert.Equal("/etc/otel/sampling-config.yaml", Value(vars, "OTEL_TRACES_SAMPLER_CONFIG"));
        Assert.Equal("OTEL_TRACES_SAMPLER_CONFIG", vars[^1].Name);
    }

    [Fact]
    public void Sampling_volume_is_a_read_only_configmap_mount()
    {
        Assert.Null(OtelEnv.SamplingVolume(null));
        Assert.Null(OtelEnv.SamplingVolume(new ObservabilityConfig { OtlpEndpoint = "http://e" }));

        var result = OtelEnv.SamplingVolume(new ObservabilityConfig { SamplingConfigRef = new SamplingConfigRef { Name = "cm" } });
        Assert.NotNull(result);
        var (volume, mount) = result.Value;
        Assert.Equal("otel-sampling-config", volume.Name);
        Assert.Equal("cm", volume.ConfigMap!["name"]!.GetValue<string>());
        Assert.Equal("otel-sampling-config", mount.Name);
        Assert.Equal("/etc/otel", mount.MountPath);
        Assert.True(mount.ReadOnly);
    }

    [Theory]
    [InlineData(null, "p", "c", "multiorch", "multigres.project=p,multigres.cluster=c,multigres.component=multiorch")]
    [InlineData("", "", "c", "pgctld", "multigres.project=c,multigres.cluster=c,multigres.component=pgctld")]
    [InlineData(" a=1 , ,b=2,", "p", "c", "x", "a=1,b=2,multigres.project=p,multigres.cluster=c,multigres.component=x")]
    [InlineData("multigres.cluster=evil,k=v,multigres.project=q, multigres.component =y", "p", "c", "x", "k=v,multigres.project=p,multigres.cluster=c,multigres.component=x")]
    [InlineData(@"a=1\,2,b=3", "p", "c", "x", @"a=1\,2,b=3,multigres.project=p,multigres.cluster=c,multigres.component=x")]
    [InlineData(null, "p", "c", "", "multigres.project=p,multigres.cluster=c")]
    public void Resource_attribute_composition(string? operatorValue, string project, string cluster, string component, string expected) =>
        Assert.Equal(expected, OtelEnv.ResourceAttributes(operatorValue, project, cluster, component));

    [Fact]
    public void From_environment_reads_every_variable()
    {
        var env = OperatorEnvironment.FromEnvironment(name => "v:" + name);
        Assert.Equal("v:OTEL_EXPORTER_OTLP_ENDPOINT", env.OtlpEndpoint);
        Assert.Equal("v:OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", env.OtlpMetricsEndpoint);
        Assert.Equal("v:OTEL_EXPORTER_OTLP_PROTOCOL", env.OtlpProtocol);
        Assert.Equal("v:OTEL_TRACES_EXPORTER", env.TracesExporter);
        Assert.Equal("v:OTEL_METRICS_EXPORTER", env.MetricsExporter);
        Assert.Equal("v:OTEL_LOGS_EXPORTER", env.LogsExporter);
        Assert.Equal("v:OTEL_METRIC_EXPORT_INTERVAL", env.MetricExportInterval);
        Assert.Equal("v:OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", env.MetricsTemporality);
        Assert.Equal("v:OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", env.HistogramAggregation);
        Assert.Equal("v:OTEL_TRACES_SAMPLER", env.TracesSampler);
        Assert.Equal("v:OTEL_RESOURCE_ATTRIBUTES", env.ResourceAttributes);
        Assert.Equal(OperatorEnvironment.Empty, new OperatorEnvironment());
    }
}
