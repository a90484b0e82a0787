namespace MultigresOrleans.Grains.Builders.Shards;

using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The per-cell multiorch Deployment of a shard (spec §6.5.1). Multiorch watches one shard's poolers in one cell and
/// drives failover, so each cell gets its own small Deployment. Anything in the pod template (args, env, volumes,
/// annotations) rolls the orchestrators, so every list here has a fixed order that never depends on map iteration.
/// </summary>
public static class MultiOrchDeploymentBuilder
{
    public const string ContainerName = "multiorch";
    public const int HttpPort = 15300;
    public const int GrpcPort = 15370;
    public const string HttpPortName = "http";
    public const string GrpcPortName = "grpc";

    public const string TlsVolumeName = "tls-certs";
    public const string TlsMountPath = "/etc/multigres/tls";

    /// <summary>0444: the multiorch image does not run as the Secret's owner, so the files must be world-readable.</summary>
    public const int TlsSecretDefaultMode = 292;

    private static readonly string[] PrometheusAnnotations =
        [AnnotationKeys.PrometheusScrape, AnnotationKeys.PrometheusPort, AnnotationKeys.PrometheusPath];

    /// <summary>
    /// The multiorch Deployment for <paramref name="cell"/>, controller-owned by <paramref name="shard"/>.
    /// <paramref name="operatorEnvironment"/> is the operator's own OTEL environment (spec §10.4).
    /// </summary>
    public static Deployment Build(Shard shard, string cell, OperatorEnvironment operatorEnvironment)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(cell);
        ArgumentNullException.ThrowIfNull(operatorEnvironment);
        var spec = shard.Spec;
        var orch = spec.Multiorch;
        var cluster = ShardObjectMetadata.ClusterName(shard);
        var labels = MultiOrchMetadata.Labels(shard, cell);

        var env = OtelEnv.BuildWithResourceAttributes(spec.Observability, operatorEnvironment, ShardObjectMetadata.ProjectRef(shard), cluster, Components.Multiorch);
        var container = new Container
        {
            Name = ContainerName,
            Image = string.IsNullOrEmpty(spec.Images.Multiorch) ? DefaultImages.Multiorch : spec.Images.Multiorch,
            Args = Args(shard, cell),
            Ports = [ProbeShapes.TcpPort(HttpPortName, HttpPort), ProbeShapes.TcpPort(GrpcPortName, GrpcPort)],
            Resources = orch.Resources,
            Env = env.Count > 0 ? env : null,
            StartupProbe = ProbeShapes.HttpGet("/ready", HttpPort, periodSeconds: 5, failureThreshold: 30),
            LivenessProbe = ProbeShapes.HttpGet("/live", HttpPort, periodSeconds: 10),
            ReadinessProbe = ProbeShapes.HttpGet("/ready", HttpPort, periodSeconds: 5),
        };

        var volumes = new List<Volume>();
        var mounts = new List<VolumeMount>();
        if (OtelEnv.SamplingVolume(spec.Observability) is var (samplingVolume, samplingMount))
        {
            volumes.Add(samplingVolume);
            mounts.Add(samplingMount);
        }

        if (InternalTlsEnabled(shard))
        {
            volumes.Add(new Volume
            {
                Name = TlsVolumeName,
                Secret = new JsonObject
                {
                    ["secretName"] = ResourceNames.InternalTlsName(ResourceNames.MultiOrchComponent, cluster, ShardObjectMetadata.Namespace(shard)),
                    ["defaultMode"] = TlsSecretDefaultMode,
                },
            });
            mounts.Add(new VolumeMount { Name = TlsVolumeName, MountPath = TlsMountPath, ReadOnly = true });
        }

        if (mounts.Count > 0)
            container.VolumeMounts = mounts;

        return new Deployment
        {
            Metadata = new ObjectMeta
            {
                Name = MultiOrchMetadata.DeploymentName(shard, cell),
                Namespace = ShardObjectMetadata.Namespace(shard),
                Labels = labels,
                OwnerReferences = [Labels.ControllerReference(shard)],
            },
            Spec = new DeploymentSpec
            {
                Replicas = orch.Replicas ?? HardcodedDefaults.MultiorchReplicas,
                Selector = new LabelSelector { MatchLabels = Labels.Selector(labels) },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta
                    {
                        Labels = Labels.Merge(orch.PodLabels, labels),
                        Annotations = PodAnnotations(shard),
                    },
                    Spec = new PodSpec
                    {
                        Containers = [container],
                        Volumes = volumes.Count > 0 ? volumes : null,
                        NodeSelector = NodeSelector(shard, cell),
                        Affinity = orch.Affinity,
                        Tolerations = orch.Placement?.Tolerations?.ToList(),
                    },
                },
            },
        };
    }

    /// <summary>
    /// The container arguments in the reference's order: the fixed flags use <c>--flag=value</c> tokens, the internal-TLS
    /// flags separate tokens (spec §6.5.1). The watch target is the shard's <c>db/tg/shard</c> path.
    /// </summary>
    public static List<string> Args(Shard shard, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(cell);
        var spec = shard.Spec;
        var args = new List<string>
        {
            "multiorch",
            "--http-port=" + HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--grpc-port=" + GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--topo-global-server-addresses=" + spec.GlobalTopoServer.Address,
            "--topo-global-root=" + spec.GlobalTopoServer.RootPath,
            "--cell=" + cell,
            $"--watch-targets={spec.DatabaseName}/{spec.TableGroupName}/{spec.ShardName}",
            "--log-level=" + LogLevelText(spec.LogLevels?.Multiorch),
        };

        if (InternalTlsEnabled(shard))
        {
            const string cert = TlsMountPath + "/tls.crt";
            const string key = TlsMountPath + "/tls.key";
            const string ca = TlsMountPath + "/ca.crt";
            args.AddRange(
            [
                "--grpc-cert", cert,
                "--grpc-key", key,
                "--grpc-ca", ca,
                "--grpc-server-ca", ca,
                "--multipooler-grpc-cert", cert,
                "--multipooler-grpc-key", key,
                "--multipooler-grpc-ca", ca,
                "--multipooler-grpc-server-name",
                ResourceNames.InternalTlsName(ResourceNames.MultiPoolerComponent, ShardObjectMetadata.ClusterName(shard), ShardObjectMetadata.Namespace(shard)),
                "--multipooler-grpc-require-tls",
            ]);
        }

        return args;
    }

    /// <summary>
    /// The user's podAnnotations without the <c>prometheus.io/*</c> keys (only pool pods are scraped that way), plus the
    /// resolved project ref, which always wins over a user value.
    /// </summary>
    public static Dictionary<string, string> PodAnnotations(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in shard.Spec.Multiorch.PodAnnotations ?? new Dictionary<string, string>())
        {
            if (!PrometheusAnnotations.Contains(key))
                annotations[key] = value;
        }

        annotations[AnnotationKeys.ProjectRef] = ShardObjectMetadata.ProjectRef(shard);
        return annotations;
    }

    /// <summary><c>spec.cellTopologyLabels[cell]</c>: pins the orchestrator to its cell's nodes; null when the cell has none.</summary>
    public static Dictionary<string, string>? NodeSelector(Shard shard, string cell)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return shard.Spec.CellTopologyLabels is { } topology && topology.TryGetValue(cell, out var labels) && labels.Count > 0
            ? new Dictionary<string, string>(labels, StringComparer.Ordinal)
            : null;
    }

    private static bool InternalTlsEnabled(Shard shard) => shard.Spec.InternalTls?.Enabled == true;

    /// <summary>The webhook always defaults the level; a Shard written without one still gets a flag the binary accepts.</summary>
    private static string LogLevelText(LogLevel? level) => (level ?? HardcodedDefaults.ComponentLogLevel) switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Warn => "warn",
        LogLevel.Error => "error",
        _ => "info",
    };

    /// <summary>Warning <c>FailedApply</c> event text when the Deployment of <paramref name="cell"/> cannot be applied.</summary>
    public static string FailedApplyMessage(string cell, string error) => $"Failed to supply Multiorch Deployment for cell {cell}: {error}";
}
