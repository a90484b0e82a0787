using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Builders.Cluster;

/// <summary>
/// <c>&lt;cluster&gt;-multiadmin</c> Deployment and Service (spec §6.1.2). The topology flags are hard-coded to the
/// managed global etcd even when the cluster uses an external one: that is the reference's behaviour, kept so a
/// migrated cluster's pods do not change; the spec calls it out.
/// </summary>
public static class MultiadminBuilder
{
    public const string ContainerName = "multiadmin";
    public const string Command = "/multigres/bin/multiadmin";
    public const int HttpPort = 18000;
    public const int GrpcPort = 18070;
    public const string TlsVolumeName = "tls-certs";
    public const string TlsMountPath = "/etc/multiadmin/tls";

    /// <summary>0444: the certificate files are world-readable so the non-root container user can read them.</summary>
    public const int TlsDefaultMode = 292;

    public static Deployment BuildDeployment(
        MultigresCluster cluster,
        ResolvedMultiadmin resolved,
        ClusterImages images,
        OperatorEnvironment operatorEnvironment)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(operatorEnvironment);
        var clusterName = ClusterMetadata.NameOf(cluster);
        var ns = ClusterMetadata.NamespaceOf(cluster);
        var labels = ClusterMetadata.ComponentLabels(cluster, Components.Multiadmin);
        var internalTls = cluster.Spec.InternalTls?.Enabled == true;
        var spec = resolved.Spec;

        var volumes = new List<Volume>();
        var mounts = new List<VolumeMount>();
        if (OtelEnv.SamplingVolume(cluster.Spec.Observability) is var (samplingVolume, samplingMount))
        {
            volumes.Add(samplingVolume);
            mounts.Add(samplingMount);
        }

        if (internalTls)
        {
            volumes.Add(new Volume
            {
                Name = TlsVolumeName,
                Secret = new JsonObject
                {
                    ["secretName"] = ResourceNames.InternalTlsName(InternalTls.ComponentMultiadmin, clusterName, ns),
                    ["defaultMode"] = TlsDefaultMode,
                },
            });
            mounts.Add(new VolumeMount { Name = TlsVolumeName, MountPath = TlsMountPath, ReadOnly = true });
        }

        var env = OtelEnv.Build(cluster.Spec.Observability, operatorEnvironment);
        var container = new Container
        {
            Name = ContainerName,
            Image = images.Multiadmin,
            Command = [Command],
            Args = Args(cluster),
            Ports = [ProbeShapes.TcpPort("http", HttpPort), ProbeShapes.TcpPort("grpc", GrpcPort)],
            Resources = spec.Resources,
            Env = env.Count > 0 ? env : null,
            StartupProbe = ProbeShapes.HttpGet("/ready", HttpPort, periodSeconds: 5, failureThreshold: 30),
            LivenessProbe = ProbeShapes.HttpGet("/live", HttpPort, periodSeconds: 10),
            ReadinessProbe = ProbeShapes.HttpGet("/ready", HttpPort, periodSeconds: 5),
            VolumeMounts = mounts.Count > 0 ? mounts : null,
        };

        return new Deployment
        {
            Metadata = ClusterMetadata.Child(cluster, ResourceNames.MultiAdminName(clusterName), labels),
            Spec = new DeploymentSpec
            {
                Replicas = spec.Replicas,
                Selector = new LabelSelector { MatchLabels = Labels.Selector(labels) },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta
                    {
                        Labels = Labels.Merge(spec.PodLabels, labels),
                        Annotations = ClusterMetadata.CopyOrNull(spec.PodAnnotations),
                    },
                    Spec = new PodSpec
                    {
                        ImagePullSecrets = images.ImagePullSecrets is { Count: > 0 } secrets ? [.. secrets] : null,
                        Affinity = spec.Affinity,
                        Tolerations = resolved.Placement?.Tolerations is { Count: > 0 } tolerations ? [.. tolerations] : null,
                        Containers = [container],
                        Volumes = volumes.Count > 0 ? volumes : null,
                    },
                },
            },
        };
    }

    /// <summary>The multiadmin flags in the reference's order; TLS flags are separate tokens (flag, value).</summary>
    public static List<string> Args(MultigresCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var clusterName = ClusterMetadata.NameOf(cluster);
        var ns = ClusterMetadata.NamespaceOf(cluster);
        var args = new List<string>
        {
            "--http-port=" + HttpPort.ToString(CultureInfo.InvariantCulture),
            "--grpc-port=" + GrpcPort.ToString(CultureInfo.InvariantCulture),
            "--topo-global-server-addresses=" + GlobalTopoServerBuilder.ManagedAddress(cluster),
            "--topo-global-root=" + HardcodedDefaults.GlobalTopoRootPath,
            "--service-map=grpc-multiadmin",
            "--pprof-http=true",
            "--log-level=" + ClusterMetadata.LogLevelText(cluster.Spec.LogLevels?.Multiadmin),
        };
        if (cluster.Spec.InternalTls?.Enabled == true)
        {
            const string Crt = TlsMountPath + "/tls.crt";
            const string Key = TlsMountPath + "/tls.key";
            const string Ca = TlsMountPath + "/ca.crt";
            args.AddRange(
            [
                "--grpc-cert", Crt, "--grpc-key", Key, "--grpc-ca", Ca,
                "--grpc-server-ca", Ca, "--multipooler-grpc-cert", Crt,
                "--multipooler-grpc-key", Key, "--multipooler-grpc-ca", Ca,
                "--multipooler-grpc-server-name", ResourceNames.InternalTlsName(InternalTls.ComponentMultipooler, clusterName, ns),
                "--multipooler-grpc-require-tls",
            ]);
        }

        return args;
    }

    /// <summary>ClusterIP Service over the multiadmin pods: <c>http</c> 18000 and <c>grpc</c> 18070.</summary>
    public static Service BuildService(MultigresCluster cluster)
    {
        var labels = ClusterMetadata.ComponentLabels(cluster, Components.Multiadmin);
        return new Service
        {
            Metadata = ClusterMetadata.Child(cluster, ResourceNames.MultiAdminName(ClusterMetadata.NameOf(cluster)), labels),
            Spec = new ServiceSpec
            {
                Type = "ClusterIP",
                Selector = Labels.Selector(labels),
                Ports =
                [
                    ProbeShapes.ServicePort("http", HttpPort, JsonValue.Create(HttpPort)),
                    ProbeShapes.ServicePort("grpc", GrpcPort, JsonValue.Create(GrpcPort)),
                ],
            },
        };
    }
}
