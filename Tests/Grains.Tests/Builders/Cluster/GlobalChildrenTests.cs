using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Builders.Cluster.ClusterAsserts;

namespace MultigresOrleans.Grains.Tests.Builders.Cluster;

/// <summary>The global TopoServer, its reference, and the global Deployments and Services of spec §6.1.1, §6.1.2 and §6.4.</summary>
public sealed class GlobalChildrenTests
{
    private static readonly LoadedCluster Minimal = LoadedCluster.Load("minimal.yaml");
    private static readonly LoadedCluster ExternalEtcd = LoadedCluster.Load("external-etcd.yaml");

    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    // ---- TopoServer ------------------------------------------------------------------------------------------------

    [Fact]
    public void Minimal_global_topo_server_cr()
    {
        var topo = GlobalTopoServerBuilder.Build(Minimal.Cluster, Minimal.GlobalTopo);

        Assert.NotNull(topo);
        Assert.Equal("multigres.com/v1alpha1", topo.ApiVersion);
        Assert.Equal("TopoServer", topo.Kind);
        Assert.Equal("minimal-global-topo", topo.Metadata.Name);
        OwnedByCluster(topo.Metadata, "minimal", "default");
        Labels(StandardPlusCluster("minimal", "global-topo"), topo.Metadata.Labels);
        var etcd = topo.Spec.Etcd!;
        Assert.Equal(DefaultImages.Etcd, etcd.Image);
        Assert.Equal(3, etcd.Replicas);
        Assert.Equal("1Gi", etcd.Storage!.Size);
        Assert.Equal("/multigres/global", etcd.RootPath);
        SameResources(HardcodedDefaults.EtcdResources, etcd.Resources);
        Assert.Null(etcd.PvcDeletionPolicy);
        Assert.Equal(PVCRetentionPolicyType.Delete, topo.Spec.PvcDeletionPolicy!.WhenDeleted);
        Assert.Equal(PVCRetentionPolicyType.Delete, topo.Spec.PvcDeletionPolicy.WhenScaled);
        Assert.Null(topo.Spec.Placement);
    }

    [Fact]
    public void Topo_server_pvc_policy_merges_etcd_over_global_over_cluster_and_carries_placement()
    {
        var tolerations = new PodPlacementSpec { Tolerations = [new Toleration { Key = "dedicated", Operator = "Exists" }] };
        var resolved = Minimal.GlobalTopo with
        {
            Etcd = Minimal.GlobalTopo.Etcd! with { PvcDeletionPolicy = new PVCDeletionPolicy { WhenScaled = PVCRetentionPolicyType.Retain } },
            PvcDeletionPolicy = new PVCDeletionPolicy { WhenDeleted = PVCRetentionPolicyType.Retain },
            Placement = tolerations,
        };

        var topo = GlobalTopoServerBuilder.Build(Minimal.Cluster, resolved)!;

        Assert.Equal(PVCRetentionPolicyType.Retain, topo.Spec.PvcDeletionPolicy!.WhenDeleted);
        Assert.Equal(PVCRetentionPolicyType.Retain, topo.Spec.PvcDeletionPolicy.WhenScaled);
        Assert.Null(topo.Spec.Etcd!.PvcDeletionPolicy);
        Assert.Same(tolerations, topo.Spec.Placement);
    }

    [Fact]
    public void Managed_topo_ref_points_at_the_client_service()
    {
        Assert.Equal(
            new GlobalTopoServerRef { Address = "minimal-global-topo.default.svc:2379", RootPath = "/multigres/global", Implementation = "etcd" },
            Minimal.TopoRef);
    }

    [Fact]
    public void External_topo_has_no_cr_and_the_ref_is_the_first_endpoint_verbatim()
    {
        Assert.Null(GlobalTopoServerBuilder.Build(ExternalEtcd.Cluster, ExternalEtcd.GlobalTopo));
        Assert.Equal(
            new GlobalTopoServerRef { Address = "http://external-etcd-service.default.svc:2379", RootPath = "/multigres/global", Implementation = "etcd" },
            ExternalEtcd.TopoRef);

        var custom = new GlobalTopoServerSpec
        {
            External = new ExternalTopoServerSpec { Endpoints = ["https://a:2379", "https://b:2379"], RootPath = "/custom", Implementation = "consul" },
        };
        Assert.Equal(
            new GlobalTopoServerRef { Address = "https://a:2379", RootPath = "/custom", Implementation = "consul" },
            GlobalTopoServerBuilder.Ref(ExternalEtcd.Cluster, custom));
    }

    // ---- MultiAdmin --------------------------------------------------------------------------------------------------

    private static Deployment Multiadmin(LoadedCluster c, OperatorEnvironment? env = null) =>
        MultiadminBuilder.BuildDeployment(c.Cluster, GlobalResolver.ResolveMultiadmin(c.Cluster.Spec, c.Templates), c.Images, env ?? OperatorEnvironment.Empty);

    [Fact]
    public void Minimal_multiadmin_deployment()
    {
        var deployment = Multiadmin(Minimal);

        Assert.Equal("apps/v1", deployment.ApiVersion);
        Assert.Equal("Deployment", deployment.Kind);
        Assert.Equal("minimal-multiadmin", deployment.Metadata.Name);
        OwnedByCluster(deployment.Metadata, "minimal", "default");
        Labels(StandardPlusCluster("minimal", "multiadmin"), deployment.Metadata.Labels);
        Labels(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/component"] = "multiadmin",
                ["app.kubernetes.io/instance"] = "minimal",
                ["multigres.com/cluster"] = "minimal",
            },
            deployment.Spec!.Selector!.MatchLabels);
        Assert.Equal(1, deployment.Spec.Replicas);
        Labels(StandardPlusCluster("minimal", "multiadmin"), deployment.Spec.Template.Metadata!.Labels);
        Assert.Null(deployment.Spec.Template.Metadata.Annotations);

        var pod = deployment.Spec.Template.Spec!;
        Assert.Null(pod.Tolerations);
        Assert.Null(pod.ImagePullSecrets);
        Assert.Null(pod.Volumes);
        var container = Assert.Single(pod.Containers);
        Assert.Equal("multiadmin", container.Name);
        Assert.Equal(DefaultImages.Multiadmin, container.Image);
        Assert.Equal(["/multigres/bin/multiadmin"], container.Command!);
        Assert.Equal(
            [
                "--http-port=18000",
                "--grpc-port=18070",
                "--topo-global-server-addresses=minimal-global-topo.default.svc:2379",
                "--topo-global-root=/multigres/global",
                "--service-map=grpc-multiadmin",
                "--pprof-http=true",
                "--log-level=info",
            ],
            container.Args!);
        Assert.Equal(
            [("http", 18000, "TCP"), ("grpc", 18070, "TCP")],
            container.Ports!.Select(p => (p.Name, p.ContainerPortNumber, p.Protocol)));
        SameResources(HardcodedDefaults.MultiadminResources, container.Resources);
        Assert.Null(container.Env);
        Assert.Null(container.VolumeMounts);
        Assert.Equal("""{"httpGet":{"path":"/ready","port":18000},"periodSeconds":5,"failureThreshold":30}""", Json(container.StartupProbe));
        Assert.Equal("""{"httpGet":{"path":"/live","port":18000},"periodSeconds":10}""", Json(container.LivenessProbe));
        Assert.Equal("""{"httpGet":{"path":"/ready","port":18000},"periodSeconds":5}""", Json(container.ReadinessProbe));
    }

    [Fact]
    public void Multiadmin_topology_flags_stay_hard_coded_for_an_external_global_topology()
    {
        var args = Multiadmin(ExternalEtcd).Spec!.Template.Spec!.Containers[0].Args!;
        Assert.Contains("--topo-global-server-addresses=ext-etcd-global-topo.default.svc:2379", args);
        Assert.Contains("--topo-global-root=/multigres/global", args);
    }

    [Fact]
    public void Multiadmin_with_internal_tls_otel_sampling_placement_and_pod_metadata()
    {
        var c = Minimal.WithSpec(s => s with
        {
            InternalTls = new InternalTLSConfig { Enabled = true },
            LogLevels = new ComponentLogLevels { Multiadmin = LogLevel.Debug },
            Observability = new ObservabilityConfig
            {
                OtlpEndpoint = "http://otel:4318",
                SamplingConfigRef = new SamplingConfigRef { Name = "sampling" },
            },
            Images = new ClusterImages { ImagePullSecrets = [new LocalObjectReference { Name = "regcred" }] },
            Multiadmin = new MultiadminConfig
            {
                Spec = new StatelessSpec
                {
                    Replicas = 2,
                    PodLabels = new Dictionary<string, string> { ["team"] = "db", ["app.kubernetes.io/component"] = "hijack" },
                    PodAnnotations = new Dictionary<string, string> { ["note"] = "x" },
                },
                Placement = new PodPlacementSpec { Tolerations = [new Toleration { Key = "infra", Operator = "Exists", Effect = "NoSchedule" }] },
            },
        });
        var images = c.Images with { ImagePullSecrets = c.Cluster.Spec.Images!.ImagePullSecrets };
        var env = new OperatorEnvironment { OtlpProtocol = "grpc", ResourceAttributes = "a=b" };

        var deployment = MultiadminBuilder.BuildDeployment(c.Cluster, GlobalResolver.ResolveMultiadmin(c.Cluster.Spec, c.Templates), images, env);

        Assert.Equal(2, deployment.Spec!.Replicas);
        var template = deployment.Spec.Template;
        Assert.Equal("db", template.Metadata!.Labels!["team"]);
        Assert.Equal("multiadmin", template.Metadata.Labels["app.kubernetes.io/component"]);
        Assert.Equal("x", template.Metadata.Annotations!["note"]);
        var pod = template.Spec!;
        Assert.Equal("infra", Assert.Single(pod.Tolerations!).Key);
        Assert.Equal("regcred", Assert.Single(pod.ImagePullSecrets!).Name);
        var volumes = pod.Volumes!;
        Assert.Equal(["otel-sampling-config", "tls-certs"], volumes.Select(v => v.Name));
        Assert.Equal("""{"secretName":"multiadmin.minimal.default.multigres.internal","defaultMode":292}""", Json(volumes[1].Secret));
        Assert.Equal("""{"name":"sampling"}""", Json(volumes[0].ConfigMap));

        var container = pod.Containers[0];
        Assert.Equal(
            [("otel-sampling-config", "/etc/otel", true), ("tls-certs", "/etc/multiadmin/tls", true)],
            container.VolumeMounts!.Select(m => (m.Name, m.MountPath, m.ReadOnly == true)));
        Assert.Equal(
            ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_TRACES_SAMPLER_CONFIG"],
            container.Env!.Select(e => e.Name));
        Assert.Equal(
            [
                "--http-port=18000", "--grpc-port=18070",
                "--topo-global-server-addresses=minimal-global-topo.default.svc:2379", "--topo-global-root=/multigres/global",
                "--service-map=grpc-multiadmin", "--pprof-http=true", "--log-level=debug",
                "--grpc-cert", "/etc/multiadmin/tls/tls.crt", "--grpc-key", "/etc/multiadmin/tls/tls.key", "--grpc-ca", "/etc/multiadmin/tls/ca.crt",
                "--grpc-server-ca", "/etc/multiadmin/tls/ca.crt", "--multipooler-grpc-cert", "/etc/multiadmin/tls/tls.crt",
                "--multipooler-grpc-key", "/etc/multiadmin/tls/tls.key", "--multipooler-grpc-ca", "/etc/multiadmin/tls/ca.crt",
                "--multipooler-grpc-server-name", "multipooler.minimal.default.multigres.internal", "--multipooler-grpc-require-tls",
            ],
            container.Args!);
        // The selector never includes user labels.
        Assert.False(deployment.Spec.Selector!.MatchLabels!.ContainsKey("team"));
    }

    [Fact]
    public void Multiadmin_service()
    {
        var service = MultiadminBuilder.BuildService(Minimal.Cluster);

        Assert.Equal("v1", service.ApiVersion);
        Assert.Equal("Service", service.Kind);
        Assert.Equal("minimal-multiadmin", service.Metadata.Name);
        OwnedByCluster(service.Metadata, "minimal", "default");
        Labels(StandardPlusCluster("minimal", "multiadmin"), service.Metadata.Labels);
        Assert.Equal("ClusterIP", service.Spec!.Type);
        Labels(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/component"] = "multiadmin",
                ["app.kubernetes.io/instance"] = "minimal",
                ["multigres.com/cluster"] = "minimal",
            },
            service.Spec.Selector);
        Assert.Equal(
            [("http", 18000, "18000"), ("grpc", 18070, "18070")],
            service.Spec.Ports!.Select(p => (p.Name!, p.Port, Json(p.TargetPort))));
    }

    // ---- MultiAdmin-Web ----------------------------------------------------------------------------------------------

    [Fact]
    public void Minimal_multiadmin_web_deployment()
    {
        var deployment = MultiadminWebBuilder.BuildDeployment(
            Minimal.Cluster, GlobalResolver.ResolveMultiadminWeb(Minimal.Cluster.Spec, Minimal.Templates), Minimal.Images);

        Assert.Equal("minimal-multiadmin-web", deployment.Metadata.Name);
        OwnedByCluster(deployment.Metadata, "minimal", "default");
        Labels(StandardPlusCluster("minimal", "multiadmin-web"), deployment.Metadata.Labels);
        Assert.Equal("multiadmin-web", deployment.Spec!.Selector!.MatchLabels!["app.kubernetes.io/component"]);
        Assert.Equal(3, deployment.Spec.Selector.MatchLabels.Count);
        Assert.Equal(1, deployment.Spec.Replicas);
        var pod = deployment.Spec.Template.Spec!;
        Assert.Null(pod.Tolerations);
        Assert.Null(pod.Volumes);
        var container = Assert.Single(pod.Containers);
        Assert.Equal("multiadmin-web", container.Name);
        Assert.Equal(DefaultImages.MultiadminWeb, container.Image);
        Assert.Null(container.Command);
        Assert.Null(container.Args);
        Assert.Equal(
            [
                ("HOSTNAME", "::"),
                ("MULTIADMIN_API_URL", "http://minimal-multiadmin:18000"),
                ("POSTGRES_HOST", "minimal-multigateway"),
                ("POSTGRES_PORT", "5432"),
                ("POSTGRES_DATABASE", "postgres"),
                ("POSTGRES_USER", "postgres"),
            ],
            container.Env!.Select(e => (e.Name, e.Value!)));
        Assert.Equal(("http", 18100, "TCP"), (container.Ports![0].Name, container.Ports[0].ContainerPortNumber, container.Ports[0].Protocol));
        Assert.Single(container.Ports);
        SameResources(HardcodedDefaults.MultiadminWebResources, container.Resources);
        Assert.Equal("""{"httpGet":{"path":"/","port":18100},"periodSeconds":5,"failureThreshold":30}""", Json(container.StartupProbe));
        Assert.Equal("""{"httpGet":{"path":"/","port":18100},"periodSeconds":10}""", Json(container.LivenessProbe));
        Assert.Equal("""{"httpGet":{"path":"/","port":18100},"periodSeconds":5}""", Json(container.ReadinessProbe));
    }

    [Fact]
    public void Multiadmin_web_gets_no_otel_even_when_configured_and_uses_the_superuser()
    {
        var c = Minimal.WithSpec(s => s with
        {
            Observability = new ObservabilityConfig { OtlpEndpoint = "http://otel:4318" },
            PostgresSuperuser = "admin",
            InternalTls = new InternalTLSConfig { Enabled = true },
        });
        var container = MultiadminWebBuilder.BuildDeployment(c.Cluster, new StatelessSpec { Replicas = 1 }, c.Images).Spec!.Template.Spec!.Containers[0];
        Assert.DoesNotContain(container.Env!, e => e.Name.StartsWith("OTEL_", StringComparison.Ordinal));
        Assert.Equal("admin", container.Env![^1].Value);
        Assert.Null(container.VolumeMounts);
    }

    [Fact]
    public void Multiadmin_web_service_plain_and_externally_exposed()
    {
        var plain = MultiadminWebBuilder.BuildService(Minimal.Cluster);
        Assert.Equal("minimal-multiadmin-web", plain.Metadata.Name);
        OwnedByCluster(plain.Metadata, "minimal", "default");
        Labels(StandardPlusCluster("minimal", "multiadmin-web"), plain.Metadata.Labels);
        Assert.Equal("ClusterIP", plain.Spec!.Type);
        Assert.Equal(("http", 18100, "18100"), (plain.Spec.Ports![0].Name!, plain.Spec.Ports[0].Port, Json(plain.Spec.Ports[0].TargetPort)));
        Assert.Null(plain.Metadata.Annotations);
        Assert.Null(ProbeShapesAccess.ExternalIps(plain));

        var exposed = MultiadminWebBuilder.BuildService(Minimal.WithSpec(s => s with
        {
            ExternalAdminWeb = new ExternalServiceConfig
            {
                Enabled = true,
                ExternalIPs = ["203.0.113.10"],
                Annotations = new Dictionary<string, string> { ["lb.example.com/pool"] = "web" },
            },
        }).Cluster);
        Assert.Equal(["203.0.113.10"], ProbeShapesAccess.ExternalIps(exposed)!);
        Assert.Equal("web", exposed.Metadata.Annotations!["lb.example.com/pool"]);
        Assert.Equal("ClusterIP", exposed.Spec!.Type);

        var disabled = MultiadminWebBuilder.BuildService(Minimal.WithSpec(s => s with
        {
            ExternalAdminWeb = new ExternalServiceConfig { Enabled = false, ExternalIPs = ["203.0.113.10"], Annotations = new Dictionary<string, string> { ["a"] = "b" } },
        }).Cluster);
        Assert.Null(ProbeShapesAccess.ExternalIps(disabled));
        Assert.Null(disabled.Metadata.Annotations);
    }

    // ---- Global gateway Services -----------------------------------------------------------------------------------

    [Fact]
    public void Global_gateway_services_select_every_cell()
    {
        var primary = GlobalGatewayServicesBuilder.BuildGatewayService(Minimal.Cluster);
        var replica = GlobalGatewayServicesBuilder.BuildReplicaService(Minimal.Cluster);
        var selector = new Dictionary<string, string> { ["app.kubernetes.io/component"] = "multigateway", ["app.kubernetes.io/instance"] = "minimal" };

        Assert.Equal("minimal-multigateway", primary.Metadata.Name);
        Assert.Equal("minimal-multigateway-replica", replica.Metadata.Name);
        foreach (var service in new[] { primary, replica })
        {
            OwnedByCluster(service.Metadata, "minimal", "default");
            Labels(StandardPlusCluster("minimal", "multigateway"), service.Metadata.Labels);
            Labels(selector, service.Spec!.Selector);
            Assert.Equal("ClusterIP", service.Spec.Type);
            Assert.Null(service.Metadata.Annotations);
        }

        Assert.Equal(("postgres", 5432, "\"postgres\""), (primary.Spec!.Ports![0].Name!, primary.Spec.Ports[0].Port, Json(primary.Spec.Ports[0].TargetPort)));
        Assert.Equal(("pg-replica", 5433, "\"pg-replica\""), (replica.Spec!.Ports![0].Name!, replica.Spec.Ports[0].Port, Json(replica.Spec.Ports[0].TargetPort)));
        Assert.Single(primary.Spec.Ports);
        Assert.Single(replica.Spec.Ports);
    }

    [Fact]
    public void External_gateway_adds_ips_and_annotations_to_the_primary_only_and_serializes_them()
    {
        var c = Minimal.WithSpec(s => s with
        {
            ExternalGateway = new ExternalServiceConfig
            {
                Enabled = true,
                ExternalIPs = ["198.51.100.7", "198.51.100.8"],
                Annotations = new Dictionary<string, string> { ["external-dns.alpha.kubernetes.io/hostname"] = "db.example.com" },
            },
        });
        var primary = GlobalGatewayServicesBuilder.BuildGatewayService(c.Cluster);
        var replica = GlobalGatewayServicesBuilder.BuildReplicaService(c.Cluster);

        Assert.Equal("ClusterIP", primary.Spec!.Type);
        Assert.Equal("db.example.com", primary.Metadata.Annotations!["external-dns.alpha.kubernetes.io/hostname"]);
        Assert.Null(replica.Metadata.Annotations);
        Assert.Null(ProbeShapesAccess.ExternalIps(replica));

        var json = JsonNode.Parse(JsonSerializer.Serialize(primary.Spec, ProbeShapesAccess.Options))!;
        Assert.Equal("""["198.51.100.7","198.51.100.8"]""", json["externalIPs"]!.ToJsonString());
    }
}

/// <summary>Reads back what the builders put in the Service's extension data.</summary>
internal static class ProbeShapesAccess
{
    public static readonly JsonSerializerOptions Options = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };

    public static IReadOnlyList<string>? ExternalIps(Service service) =>
        service.Spec?.ExtensionData is { } data && data.TryGetValue("externalIPs", out var element)
            ? element.EnumerateArray().Select(e => e.GetString()!).ToList()
            : null;
}
