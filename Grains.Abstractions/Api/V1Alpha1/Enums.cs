using System.Text.Json.Serialization;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

// The API's string enums. Member names are C# style; the wire value is the
// JsonStringEnumMemberName, which is also what the CRD schema lists under `enum`.

[JsonConverter(typeof(JsonStringEnumConverter<LogLevel>))]
public enum LogLevel
{
    [JsonStringEnumMemberName("debug")] Debug,
    [JsonStringEnumMemberName("info")] Info,
    [JsonStringEnumMemberName("warn")] Warn,
    [JsonStringEnumMemberName("error")] Error,
}

/// <summary>Pool access pattern; <c>readWrite</c> is the only value in v1alpha1.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PoolType>))]
public enum PoolType
{
    [JsonStringEnumMemberName("readWrite")] ReadWrite,
}

[JsonConverter(typeof(JsonStringEnumConverter<Phase>))]
public enum Phase
{
    [JsonStringEnumMemberName("Initializing")] Initializing,
    [JsonStringEnumMemberName("Progressing")] Progressing,
    [JsonStringEnumMemberName("Healthy")] Healthy,
    [JsonStringEnumMemberName("Degraded")] Degraded,
    [JsonStringEnumMemberName("Unknown")] Unknown,
}

[JsonConverter(typeof(JsonStringEnumConverter<PVCRetentionPolicyType>))]
public enum PVCRetentionPolicyType
{
    [JsonStringEnumMemberName("Retain")] Retain,
    [JsonStringEnumMemberName("Delete")] Delete,
}

[JsonConverter(typeof(JsonStringEnumConverter<BackupType>))]
public enum BackupType
{
    [JsonStringEnumMemberName("filesystem")] Filesystem,
    [JsonStringEnumMemberName("s3")] S3,
}

/// <summary>How <c>status.images.effective</c> was assembled (§6.1.3).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImageSource>))]
public enum ImageSource
{
    [JsonStringEnumMemberName("explicit")] Explicit,
    [JsonStringEnumMemberName("defaults")] Defaults,
    [JsonStringEnumMemberName("mixed")] Mixed,
}

/// <summary>core/v1 PullPolicy, restricted to its three values as the CRDs declare it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PullPolicy>))]
public enum PullPolicy
{
    [JsonStringEnumMemberName("Always")] Always,
    [JsonStringEnumMemberName("Never")] Never,
    [JsonStringEnumMemberName("IfNotPresent")] IfNotPresent,
}

[JsonConverter(typeof(JsonStringEnumConverter<ImageUpdateStrategy>))]
public enum ImageUpdateStrategy
{
    [JsonStringEnumMemberName("immediate")] Immediate,
    [JsonStringEnumMemberName("lazy")] Lazy,
}

/// <summary>The pgBackRest backup type reported in <c>Shard.status.lastBackupType</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BackupKind>))]
public enum BackupKind
{
    [JsonStringEnumMemberName("full")] Full,
    [JsonStringEnumMemberName("diff")] Diff,
    [JsonStringEnumMemberName("incr")] Incr,
}

[JsonConverter(typeof(JsonStringEnumConverter<OtlpProtocol>))]
public enum OtlpProtocol
{
    [JsonStringEnumMemberName("http/protobuf")] HttpProtobuf,
    [JsonStringEnumMemberName("grpc")] Grpc,
}

/// <summary>The value set of OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OtelExporter>))]
public enum OtelExporter
{
    [JsonStringEnumMemberName("otlp")] Otlp,
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("console")] Console,
}

[JsonConverter(typeof(JsonStringEnumConverter<MetricsTemporality>))]
public enum MetricsTemporality
{
    [JsonStringEnumMemberName("cumulative")] Cumulative,
    [JsonStringEnumMemberName("delta")] Delta,
}

[JsonConverter(typeof(JsonStringEnumConverter<HistogramAggregation>))]
public enum HistogramAggregation
{
    [JsonStringEnumMemberName("base2_exponential_bucket_histogram")] Base2ExponentialBucketHistogram,
    [JsonStringEnumMemberName("explicit_bucket_histogram")] ExplicitBucketHistogram,
}
