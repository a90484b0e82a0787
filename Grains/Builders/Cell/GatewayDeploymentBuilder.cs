namespace MultigresOrleans.Grains.Builders.Cells;

using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The per-cell multigateway Deployment (spec §6.3). Everything that changes the pod template (args, env, volumes,
/// annotations) rolls the gateways, so the argument order, the optional flags and the volume order are fixed here and
/// must not depend on dictionary or set ordering.
/// </summary>
public static class GatewayDeploymentBuilder
{
    public const string ContainerName = "multigateway";
    public const int HttpPort = 15100;
    public const int GrpcPort = 15170;
    public const int PostgresPort = 5432;
    public const int PgReplicaPort = 5433;
    public const string HttpPortName = "http";
    public const string GrpcPortName = "grpc";
    public const string PostgresPortName = "postgres";
    public const string PgReplicaPortName = "pg-replica";

    public const string PublicTlsVolumeName = "tls-certs";
    public const string PublicTlsMountPath = "/etc/multigateway/tls";
    public const string InternalTlsVolumeName = "tls-certs-internal";
    public const string InternalTlsMountPath = "/etc/multigateway/tls-internal";

    /// <summary>0444: world-readable because the gateway image does not run as the Secret's owner (was 0440 upstream before the August reference).</summary>
    public const int TlsSecretDefaultMode = 292;

    private static readonly string[] PrometheusAnnotations =
        [AnnotationKeys.PrometheusScrape, AnnotationKeys.PrometheusPort, AnnotationKeys.PrometheusPath];

    /// <summary>
    /// Builds the Deployment, controller-owned by <paramref name="cell"/>. <paramref name="operatorEnvironment"/> is the
    /// operator's own OTEL environment, inherited where the Cell's observability settings are empty (spec §10.4).
    /// </summary>
    public static Deployment Build(Cell cell, OperatorEnvironment operatorEnvironment)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(operatorEnvironment);
        var cluster = GatewayMetadata.ClusterName(cell);
        var ns = GatewayMetadata.Namespace(cell);
        var labels = GatewayMetadata.Labels(cell);
        var gateway = cell.Spec.Multigateway;

        var env = OtelEnv.BuildWithResourceAttributes(cell.Spec.Observability, operatorEnvironment, GatewayMetadata.ProjectRef(cell), cluster, Components.Multigateway);
        var container = new Container
        {
            Name = ContainerName,
            Image = string.IsNullOrEmpty(cell.Spec.Images.Multigateway) ? DefaultImages.Multigateway : cell.Spec.Images.Multigateway,
            Args = Args(cell),
            Resources = gateway.Resources,
            Env = env.Count > 0 ? env : null,
            Ports =
            [
                new ContainerPort { Name = HttpPortName, ContainerPortNumber = HttpPort, Protocol = "TCP" },
                new ContainerPort { Name = GrpcPortName, ContainerPortNumber = GrpcPort, Protocol = "TCP" },
                new ContainerPort { Name = PostgresPortName, ContainerPortNumber = PostgresPort, Protocol = "TCP" },
                new ContainerPort { Name = PgReplicaPortName, ContainerPortNumber = PgReplicaPort, Protocol = "TCP" },
            ],
            StartupProbe = HttpProbe("/ready", periodSeconds: 5, failureThreshold: 30),
            LivenessProbe = HttpProbe("/live", periodSeconds: 10),
            ReadinessProbe = HttpProbe("/ready", periodSeconds: 5),
        };

        var volumes = new List<Volume>();
        var mounts = new List<VolumeMount>();
        if (OtelEnv.SamplingVolume(cell.Spec.Observability) is var (samplingVolume, samplingMount))
        {
            volumes.Add(samplingVolume);
            mounts.Add(samplingMount);
        }

        if (InternalTlsEnabled(cell))
        {
            volumes.Add(SecretVolume(InternalTlsVolumeName, ResourceNames.InternalTlsName(ResourceNames.MultiGatewayComponent, cluster, ns)));
            mounts.Add(new VolumeMount { Name = InternalTlsVolumeName, MountPath = InternalTlsMountPath, ReadOnly = true });
        }

        if (!string.IsNullOrEmpty(cell.Spec.CertCommonName))
        {
            volumes.Add(SecretVolume(PublicTlsVolumeName, ResourceNames.PublicGatewayTlsSecretName));
            mounts.Add(new VolumeMount { Name = PublicTlsVolumeName, MountPath = PublicTlsMountPath, ReadOnly = true });
        }

        if (mounts.Count > 0)
            container.VolumeMounts = mounts;

        return new Deployment
        {
            Metadata = new ObjectMeta
            {
                Name = GatewayMetadata.DeploymentName(cell),
                Namespace = ns,
                Labels = labels,
                OwnerReferences = [Labels.ControllerReference(cell)],
            },
            Spec = new DeploymentSpec
            {
                Replicas = gateway.Replicas ?? HardcodedDefaults.MultigatewayReplicas,
                Selector = new LabelSelector { MatchLabels = Labels.Selector(labels) },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta
                    {
                        Labels = Labels.Merge(gateway.PodLabels, labels),
                        Annotations = PodAnnotations(cell),
                    },
                    Spec = new PodSpec
                    {
                        Containers = [container],
                        Volumes = volumes.Count > 0 ? volumes : null,
                        Affinity = gateway.Affinity,
                        Tolerations = cell.Spec.MultigatewayPlacement?.Tolerations?.ToList(),
                        NodeSelector = NodeSelector(cell),
                    },
                },
            },
        };
    }

    /// <summary>The container arguments, one token per element, in the reference's order (spec §6.3).</summary>
    public static List<string> Args(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var cluster = GatewayMetadata.ClusterName(cell);
        var ns = GatewayMetadata.Namespace(cell);
        var args = new List<string>
        {
            "multigateway",
            "--http-port", Number(HttpPort),
            "--grpc-port", Number(GrpcPort),
            "--pg-port", Number(PostgresPort),
            "--pg-replica-port", Number(PgReplicaPort),
            "--topo-global-server-addresses", cell.Spec.GlobalTopoServer.Address,
            "--topo-global-root", cell.Spec.GlobalTopoServer.RootPath,
            "--cell", cell.Spec.Name,
            "--log-level", LogLevelText(cell.Spec.LogLevels?.Multigateway),
        };

        // An unset buffer field emits no flag, so the binary's own default applies (spec §1.1).
        if (cell.Spec.Multigateway.Buffer is { } buffer)
        {
            if (buffer.Enabled is { } enabled)
                args.Add("--buffer-enabled=" + (enabled ? "true" : "false"));
            AddDuration(args, "--buffer-window", buffer.Window);
            AddDuration(args, "--buffer-max-failover-duration", buffer.MaxFailoverDuration);
            AddDuration(args, "--buffer-min-time-between-failovers", buffer.MinTimeBetweenFailovers);
            if (buffer.Size is { } size)
                args.AddRange(["--buffer-size", Number(size)]);
            if (buffer.DrainConcurrency is { } drain)
                args.AddRange(["--buffer-drain-concurrency", Number(drain)]);
        }

        if (InternalTlsEnabled(cell))
        {
            const string cert = InternalTlsMountPath + "/tls.crt";
            const string key = InternalTlsMountPath + "/tls.key";
            const string ca = InternalTlsMountPath + "/ca.crt";
            args.AddRange(
            [
                "--grpc-cert", cert,
                "--grpc-key", key,
                "--grpc-ca", ca,
                "--grpc-server-ca", ca,
                "--multipooler-grpc-cert", cert,
                "--multipooler-grpc-key", key,
                "--multipooler-grpc-ca", ca,
                "--multipooler-grpc-server-name", ResourceNames.InternalTlsName(ResourceNames.MultiPoolerComponent, cluster, ns),
                "--multipooler-grpc-require-tls",
            ]);
        }

        if (!string.IsNullOrEmpty(cell.Spec.CertCommonName))
            args.AddRange(["--pg-tls-cert-file", PublicTlsMountPath + "/tls.crt", "--pg-tls-key-file", PublicTlsMountPath + "/tls.key"]);
        return args;
    }

    /// <summary>
    /// The user's podAnnotations without the <c>prometheus.io/*</c> keys (the gateway is not scraped through them; only
    /// pool pods are), plus the resolved project ref.
    /// </summary>
    public static Dictionary<string, string> PodAnnotations(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in cell.Spec.Multigateway.PodAnnotations ?? new Dictionary<string, string>())
        {
            if (!PrometheusAnnotations.Contains(key))
                annotations[key] = value;
        }

        annotations[AnnotationKeys.ProjectRef] = GatewayMetadata.ProjectRef(cell);
        return annotations;
    }

    /// <summary>Pins the gateways to the cell's zone (AWS zone-id node label) or region; null when the cell names neither.</summary>
    public static Dictionary<string, string>? NodeSelector(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (!string.IsNullOrEmpty(cell.Spec.ZoneId))
            return new Dictionary<string, string>(StringComparer.Ordinal) { [LabelKeys.NodeZoneId] = cell.Spec.ZoneId };
        if (!string.IsNullOrEmpty(cell.Spec.Region))
            return new Dictionary<string, string>(StringComparer.Ordinal) { [LabelKeys.NodeRegion] = cell.Spec.Region };
        return null;
    }

    private static bool InternalTlsEnabled(Cell cell) => cell.Spec.InternalTls?.Enabled == true;

    /// <summary>
    /// The webhook always defaults the level; a Cell written without one still gets a valid flag (info, the hard-coded
    /// default) instead of an empty token the binary would reject.
    /// </summary>
    private static string LogLevelText(LogLevel? level) => (level ?? HardcodedDefaults.ComponentLogLevel) switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Warn => "warn",
        LogLevel.Error => "error",
        _ => "info",
    };

    /// <summary>Durations are re-rendered in Go notation (<c>1m</c> → <c>1m0s</c>) because that is what the reference passes.</summary>
    private static void AddDuration(List<string> args, string flag, string? value)
    {
        if (string.IsNullOrEmpty(value))
            return;
        if (!GoDuration.TryParse(value, out var nanoseconds))
            throw new ArgumentException($"{flag}: '{value}' is not a Go duration (the CRD pattern should have refused it)", nameof(value));
        args.AddRange([flag, GoDuration.Format(nanoseconds)]);
    }

    private static Volume SecretVolume(string name, string secretName) => new()
    {
        Name = name,
        Secret = new JsonObject { ["secretName"] = secretName, ["defaultMode"] = TlsSecretDefaultMode },
    };

    private static JsonObject HttpProbe(string path, int periodSeconds, int? failureThreshold = null)
    {
        var probe = new JsonObject
        {
            ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = HttpPort },
            ["periodSeconds"] = periodSeconds,
        };
        if (failureThreshold is { } threshold)
            probe["failureThreshold"] = threshold;
        return probe;
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
