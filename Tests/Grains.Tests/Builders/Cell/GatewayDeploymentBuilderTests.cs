using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.Cells;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Cells;

/// <summary>The per-cell gateway Deployment against spec §6.3 (names from §4.2, labels §5.1, OTEL §10.4).</summary>
public sealed class GatewayDeploymentBuilderTests
{
    private static readonly OperatorEnvironment NoOtel = OperatorEnvironment.Empty;

    [Fact]
    public void Minimal_sample_deployment_has_the_spec_name_namespace_kind_and_owner()
    {
        var deployment = GatewayDeploymentBuilder.Build(CellFixtures.Minimal(), NoOtel);

        Assert.Equal("minimal-zone-a-multigateway-0ccc2e8b", deployment.Metadata.Name);
        Assert.Equal("default", deployment.Metadata.Namespace);
        Assert.Equal(("apps/v1", "Deployment"), (deployment.ApiVersion, deployment.Kind));
        var owner = Assert.Single(deployment.Metadata.OwnerReferences!);
        Assert.Equal((ApiConstants.ApiVersion, "Cell", "minimal-zone-a-96c88ae0", CellFixtures.CellUid, true, true),
            (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
    }

    [Fact]
    public void Labels_are_standard_plus_cell_and_zone_without_cluster_and_selector_is_component_instance_cell()
    {
        var deployment = GatewayDeploymentBuilder.Build(CellFixtures.Minimal(), NoOtel);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/name"] = "multigres",
                ["app.kubernetes.io/instance"] = "minimal",
                ["app.kubernetes.io/component"] = "multigateway",
                ["app.kubernetes.io/part-of"] = "multigres",
                ["app.kubernetes.io/managed-by"] = "multigres-operator",
                ["multigres.com/cell"] = "zone-a",
                ["multigres.com/zone-id"] = "us-east-1a",
            },
            deployment.Metadata.Labels);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/component"] = "multigateway",
                ["app.kubernetes.io/instance"] = "minimal",
                ["multigres.com/cell"] = "zone-a",
            },
            deployment.Spec!.Selector!.MatchLabels);
    }

    [Fact]
    public void Region_cell_gets_region_label_and_region_node_selector()
    {
        var deployment = GatewayDeploymentBuilder.Build(CellFixtures.Minimal(s => s with { ZoneId = null, Region = "eu-west-1" }), NoOtel);

        Assert.Equal("eu-west-1", deployment.Metadata.Labels!["multigres.com/region"]);
        Assert.False(deployment.Metadata.Labels.ContainsKey("multigres.com/zone-id"));
        Assert.Equal(new Dictionary<string, string> { ["topology.kubernetes.io/region"] = "eu-west-1" }, deployment.Spec!.Template.Spec!.NodeSelector);
    }

    [Fact]
    public void Zone_cell_is_pinned_by_the_aws_zone_id_node_label_and_a_cell_without_either_is_not_pinned()
    {
        Assert.Equal(
            new Dictionary<string, string> { ["topology.k8s.aws/zone-id"] = "us-east-1a" },
            GatewayDeploymentBuilder.Build(CellFixtures.Minimal(), NoOtel).Spec!.Template.Spec!.NodeSelector);
        Assert.Null(GatewayDeploymentBuilder.Build(CellFixtures.Minimal(s => s with { ZoneId = null }), NoOtel).Spec!.Template.Spec!.NodeSelector);
    }

    [Fact]
    public void Minimal_args_are_the_base_tokens_and_buffer_enabled_in_order()
    {
        var args = GatewayDeploymentBuilder.Args(CellFixtures.Minimal());

        Assert.Equal(
            [
                "multigateway", "--http-port", "15100", "--grpc-port", "15170", "--pg-port", "5432", "--pg-replica-port", "5433",
                "--topo-global-server-addresses", "minimal-global-topo.default.svc:2379", "--topo-global-root", "/multigres/global",
                "--cell", "zone-a", "--log-level", "info", "--buffer-enabled=true",
            ],
            args);
    }

    [Fact]
    public void Every_buffer_field_becomes_a_flag_with_go_durations_in_order()
    {
        var cell = CellFixtures.Minimal(s => s with
        {
            Multigateway = new MultigatewaySpec
            {
                Buffer = new GatewayBufferConfig
                {
                    Enabled = false, Window = "1m", MaxFailoverDuration = "20s", MinTimeBetweenFailovers = "1.5s", Size = 500, DrainConcurrency = 4,
                },
            },
            LogLevels = new ComponentLogLevels { Multigateway = LogLevel.Debug },
        });

        var args = GatewayDeploymentBuilder.Args(cell);

        Assert.Equal(
            [
                "--log-level", "debug", "--buffer-enabled=false", "--buffer-window", "1m0s", "--buffer-max-failover-duration", "20s",
                "--buffer-min-time-between-failovers", "1.5s", "--buffer-size", "500", "--buffer-drain-concurrency", "4",
            ],
            args.Skip(15));
    }

    [Fact]
    public void No_buffer_config_means_no_buffer_flags_and_missing_log_level_falls_back_to_info()
    {
        var args = GatewayDeploymentBuilder.Args(CellFixtures.Minimal(s => s with { Multigateway = new MultigatewaySpec(), LogLevels = null }));

        Assert.DoesNotContain(args, a => a.StartsWith("--buffer", StringComparison.Ordinal));
        Assert.Equal(["--log-level", "info"], args.TakeLast(2));
    }

    [Fact]
    public void Internal_tls_adds_server_and_pooler_client_flags_and_the_secret_volume()
    {
        var cell = CellFixtures.Minimal(s => s with { InternalTls = new InternalTLSConfig { Enabled = true } });

        var deployment = GatewayDeploymentBuilder.Build(cell, NoOtel);

        var container = Assert.Single(deployment.Spec!.Template.Spec!.Containers);
        Assert.Equal(
            [
                "--grpc-cert", "/etc/multigateway/tls-internal/tls.crt", "--grpc-key", "/etc/multigateway/tls-internal/tls.key",
                "--grpc-ca", "/etc/multigateway/tls-internal/ca.crt", "--grpc-server-ca", "/etc/multigateway/tls-internal/ca.crt",
                "--multipooler-grpc-cert", "/etc/multigateway/tls-internal/tls.crt", "--multipooler-grpc-key", "/etc/multigateway/tls-internal/tls.key",
                "--multipooler-grpc-ca", "/etc/multigateway/tls-internal/ca.crt",
                "--multipooler-grpc-server-name", "multipooler.minimal.default.multigres.internal", "--multipooler-grpc-require-tls",
            ],
            container.Args!.Skip(18));
        var volume = Assert.Single(deployment.Spec.Template.Spec.Volumes!);
        Assert.Equal("tls-certs-internal", volume.Name);
        Assert.Equal("multigateway.minimal.default.multigres.internal", (string?)volume.Secret!["secretName"]);
        Assert.Equal(292, (int?)volume.Secret["defaultMode"]);
        var mount = Assert.Single(container.VolumeMounts!);
        Assert.Equal(("tls-certs-internal", "/etc/multigateway/tls-internal", true), (mount.Name, mount.MountPath, mount.ReadOnly));
    }

    [Fact]
    public void Public_tls_adds_pg_tls_flags_last_and_mounts_generated_certs_0444()
    {
        var cell = CellFixtures.Minimal(s => s with { CertCommonName = "db.example.com", InternalTls = new InternalTLSConfig { Enabled = true } });

        var deployment = GatewayDeploymentBuilder.Build(cell, NoOtel);

        var container = deployment.Spec!.Template.Spec!.Containers[0];
        Assert.Equal(["--pg-tls-cert-file", "/etc/multigateway/tls/tls.crt", "--pg-tls-key-file", "/etc/multigateway/tls/tls.key"], container.Args!.TakeLast(4));
        Assert.Equal(["tls-certs-internal", "tls-certs"], deployment.Spec.Template.Spec.Volumes!.Select(v => v.Name));
        var publicVolume = deployment.Spec.Template.Spec.Volumes![1];
        Assert.Equal("generated-certs", (string?)publicVolume.Secret!["secretName"]);
        Assert.Equal(292, (int?)publicVolume.Secret["defaultMode"]);
        Assert.Equal(["/etc/multigateway/tls-internal", "/etc/multigateway/tls"], container.VolumeMounts!.Select(m => m.MountPath));
    }

    [Fact]
    public void Otel_sampling_volume_comes_first_and_env_carries_gateway_resource_attributes()
    {
        var cell = CellFixtures.Minimal(s => s with
        {
            CertCommonName = "db.example.com",
            Observability = new ObservabilityConfig
            {
                OtlpEndpoint = "http://otel:4318",
                SamplingConfigRef = new SamplingConfigRef { Name = "sampling", Key = "s.yaml" },
            },
        });

        var deployment = GatewayDeploymentBuilder.Build(cell, NoOtel);

        Assert.Equal(["otel-sampling-config", "tls-certs"], deployment.Spec!.Template.Spec!.Volumes!.Select(v => v.Name));
        var env = deployment.Spec.Template.Spec.Containers[0].Env!;
        Assert.Equal(["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER_CONFIG"], env.Select(e => e.Name));
        Assert.Equal("multigres.project=minimal,multigres.cluster=minimal,multigres.component=multigateway", env[1].Value);
    }

    [Fact]
    public void Without_any_otel_endpoint_there_is_no_env_and_no_volume()
    {
        var spec = GatewayDeploymentBuilder.Build(CellFixtures.Minimal(), NoOtel).Spec!.Template.Spec!;

        Assert.Null(spec.Containers[0].Env);
        Assert.Null(spec.Volumes);
        Assert.Null(spec.Containers[0].VolumeMounts);
    }

    [Fact]
    public void Pod_annotations_drop_prometheus_keys_and_add_the_project_ref_of_the_cell()
    {
        var cell = CellFixtures.Minimal(
            s => s with
            {
                Multigateway = new MultigatewaySpec
                {
                    PodAnnotations = new Dictionary<string, string>
                    {
                        ["prometheus.io/scrape"] = "true", ["prometheus.io/port"] = "1", ["prometheus.io/path"] = "/x", ["team"] = "db",
                    },
                },
            },
            annotations: new Dictionary<string, string> { [AnnotationKeys.ProjectRef] = "proj-42" });

        var deployment = GatewayDeploymentBuilder.Build(cell, new OperatorEnvironment { OtlpEndpoint = "http://op:4318" });

        Assert.Equal(
            new Dictionary<string, string> { ["team"] = "db", ["multigres.com/project-ref"] = "proj-42" },
            deployment.Spec!.Template.Metadata!.Annotations);
        Assert.Contains("multigres.project=proj-42", deployment.Spec.Template.Spec!.Containers[0].Env!.Single(e => e.Name == "OTEL_RESOURCE_ATTRIBUTES").Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Project_ref_falls_back_to_the_cluster_name()
    {
        var annotations = GatewayDeploymentBuilder.Build(CellFixtures.Minimal(), NoOtel).Spec!.Template.Metadata!.Annotations;

        Assert.Equal(new Dictionary<string, string> { ["multigres.com/project-ref"] = "minimal" }, annotations);
    }

    [Fact]
    public void Pod_labels_merge_user_labels_under_operator_labels()
    {
        var cell = CellFixtures.Minimal(s => s with
        {
            Multigateway = new MultigatewaySpec
            {
                PodLabels = new Dictionary<string, string> { ["app.kubernetes.io/component"] = "hijack", ["team"] = "db" },
            },
        });

        var labels = GatewayDeploymentBuilder.Build(cell, NoOtel).Spec!.Template.Metadata!.Labels!;

        Assert.Equal("multigateway", labels["app.kubernetes.io/component"]);
        Assert.Equal("db", labels["team"]);
        Assert.Equal("zone-a", labels["multigres.com/cell"]);
    }

    [Fact]
    public void Replicas_image_resources_affinity_and_tolerations_come_from_the_cell()
    {
        var resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = "250m" } };
        var affinity = new Affinity { NodeAffinity = new NodeAffinity() };
        var toleration = new Toleration { Key = "dedicated", Operator = "Equal", Value = "db", Effect = "NoSchedule" };
        var cell = CellFixtures.Minimal(s => s with
        {
            Multigateway = new MultigatewaySpec { Replicas = 3, Resources = resources, Affinity = affinity },
            MultigatewayPlacement = new PodPlacementSpec { Tolerations = [toleration] },
        });

        var deployment = GatewayDeploymentBuilder.Build(cell, NoOtel);

        Assert.Equal(3, deployment.Spec!.Replicas);
        var pod = deployment.Spec.Template.Spec!;
        Assert.Equal("ghcr.io/multigres/multigres:sha-test", pod.Containers[0].Image);
        Assert.Same(resources, pod.Containers[0].Resources);
        Assert.Same(affinity, pod.Affinity);
        Assert.Equal([toleration], pod.Tolerations!);
        Assert.Null(pod.Containers[0].ImagePullPolicy);
        Assert.Null(pod.ImagePullSecrets);
    }

    [Fact]
    public void Defaults_are_one_replica_and_the_compiled_image()
    {
        var deployment = GatewayDeploymentBuilder.Build(CellFixtures.Minimal(s => s with { Images = new CellImages { Multigateway = "" } }), NoOtel);

        Assert.Equal(1, deployment.Spec!.Replicas);
        Assert.Equal(DefaultImages.Multigateway, deployment.Spec.Template.Spec!.Containers[0].Image);
        Assert.Null(deployment.Spec.Template.Spec.Tolerations);
    }

    [Fact]
    public void Ports_and_probes_match_the_spec()
    {
        var container = GatewayDeploymentBuilder.Build(CellFixtures.Minimal(), NoOtel).Spec!.Template.Spec!.Containers[0];

        Assert.Equal("multigateway", container.Name);
        Assert.Null(container.Command);
        Assert.Equal(
            [("http", 15100, "TCP"), ("grpc", 15170, "TCP"), ("postgres", 5432, "TCP"), ("pg-replica", 5433, "TCP")],
            container.Ports!.Select(p => (p.Name, p.ContainerPortNumber, p.Protocol)));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"httpGet":{"path":"/ready","port":15100},"periodSeconds":5,"failureThreshold":30}"""), container.StartupProbe));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"httpGet":{"path":"/live","port":15100},"periodSeconds":10}"""), container.LivenessProbe));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"httpGet":{"path":"/ready","port":15100},"periodSeconds":5}"""), container.ReadinessProbe));
    }

    [Fact]
    public void A_cell_without_cluster_label_is_refused()
    {
        var cell = CellFixtures.Minimal();
        cell.Metadata.Labels!.Remove(LabelKeys.Cluster);

        Assert.Throws<ArgumentException>(() => GatewayDeploymentBuilder.Build(cell, NoOtel));
    }

    [Fact]
    public void An_unparseable_buffer_duration_is_refused_rather_than_passed_through()
    {
        var cell = CellFixtures.Minimal(s => s with { Multigateway = new MultigatewaySpec { Buffer = new GatewayBufferConfig { Window = "soon" } } });

        Assert.Throws<ArgumentException>(() => GatewayDeploymentBuilder.Args(cell));
    }
}
