using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Builders.Cluster;

/// <summary>
/// <c>&lt;cluster&gt;-multiadmin-web</c> Deployment and Service (spec §6.1.2). The web UI is a browser-facing Node
/// process that talks to multiadmin over plain HTTP inside the cluster, so it gets no OTEL env, no tolerations and
/// no internal TLS; only its Service can be exposed through <c>spec.externalAdminWeb</c>.
/// </summary>
public static class MultiadminWebBuilder
{
    public const string ContainerName = "multiadmin-web";
    public const int HttpPort = 18100;

    public static Deployment BuildDeployment(MultigresCluster cluster, StatelessSpec resolved, ClusterImages images)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(images);
        var clusterName = ClusterMetadata.NameOf(cluster);
        var labels = ClusterMetadata.ComponentLabels(cluster, Components.MultiadminWeb);

        var container = new Container
        {
            Name = ContainerName,
            Image = images.MultiadminWeb,
            Env = Env(cluster),
            Ports = [ProbeShapes.TcpPort("http", HttpPort)],
            Resources = resolved.Resources,
            StartupProbe = ProbeShapes.HttpGet("/", HttpPort, periodSeconds: 5, failureThreshold: 30),
            LivenessProbe = ProbeShapes.HttpGet("/", HttpPort, periodSeconds: 10),
            ReadinessProbe = ProbeShapes.HttpGet("/", HttpPort, periodSeconds: 5),
        };

        return new Deployment
        {
            Metadata = ClusterMetadata.Child(cluster, ResourceNames.MultiAdminWebName(clusterName), labels),
            Spec = new DeploymentSpec
            {
                Replicas = resolved.Replicas,
                Selector = new LabelSelector { MatchLabels = Labels.Selector(labels) },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta
                    {
                        Labels = Labels.Merge(resolved.PodLabels, labels),
                        Annotations = ClusterMetadata.CopyOrNull(resolved.PodAnnotations),
                    },
                    Spec = new PodSpec
                    {
                        ImagePullSecrets = images.ImagePullSecrets is { Count: > 0 } secrets ? [.. secrets] : null,
                        Affinity = resolved.Affinity,
                        Containers = [container],
                    },
                },
            },
        };
    }

    /// <summary>The web UI's environment, in the exact order of the reference (it feeds change detection).</summary>
    public static List<EnvVar> Env(MultigresCluster cluster)
    {
        var clusterName = ClusterMetadata.NameOf(cluster);
        var superuser = cluster.Spec.PostgresSuperuser;
        return
        [
            ProbeShapes.Env("HOSTNAME", "::"),
            ProbeShapes.Env("MULTIADMIN_API_URL", "http://" + ResourceNames.MultiAdminName(clusterName) + ":" + MultiadminBuilder.HttpPort.ToString(CultureInfo.InvariantCulture)),
            ProbeShapes.Env("POSTGRES_HOST", ResourceNames.GlobalGatewayServiceName(clusterName)),
            ProbeShapes.Env("POSTGRES_PORT", GlobalGatewayServicesBuilder.PostgresPort.ToString(CultureInfo.InvariantCulture)),
            ProbeShapes.Env("POSTGRES_DATABASE", HardcodedDefaults.SystemDatabaseName),
            ProbeShapes.Env("POSTGRES_USER", string.IsNullOrEmpty(superuser) ? "postgres" : superuser),
        ];
    }

    /// <summary>
    /// ClusterIP Service <c>http</c> 18100. With <c>externalAdminWeb.enabled</c> it gains the externalIPs and the user's
    /// annotations; when disabled both are absent, so a server-side apply removes them again.
    /// </summary>
    public static Service BuildService(MultigresCluster cluster)
    {
        var labels = ClusterMetadata.ComponentLabels(cluster, Components.MultiadminWeb);
        var external = cluster.Spec.ExternalAdminWeb is { Enabled: true } e ? e : null;
        var spec = new ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Labels.Selector(labels),
            Ports = [ProbeShapes.ServicePort("http", HttpPort, JsonValue.Create(HttpPort))],
        };
        if (external?.ExternalIPs is { Count: > 0 } ips)
            ProbeShapes.SetExternalIps(spec, ips);
        return new Service
        {
            Metadata = ClusterMetadata.Child(
                cluster,
                ResourceNames.MultiAdminWebName(ClusterMetadata.NameOf(cluster)),
                labels,
                ClusterMetadata.CopyOrNull(external?.Annotations)),
            Spec = spec,
        };
    }
}
