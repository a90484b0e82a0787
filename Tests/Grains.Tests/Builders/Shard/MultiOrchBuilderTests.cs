using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.Shards;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Shards;

public sealed class MultiOrchBuilderTests
{
    private const string OrchName = "minimal-postgres-default-0-inf-multiorch-zone-a-bbe2a333";

    [Fact]
    public void Names_match_the_spec_vectors_for_the_minimal_sample()
    {
        var shard = ShardFixtures.Minimal();
        Assert.Equal(OrchName, MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty).Metadata.Name);
        Assert.Equal(OrchName, MultiOrchServiceBuilder.Build(shard, "zone-a").Metadata.Name);
    }

    [Fact]
    public void Labels_merge_shard_labels_with_multiorch_component_and_cell()
    {
        var deployment = MultiOrchDeploymentBuilder.Build(ShardFixtures.Minimal(), "zone-a", OperatorEnvironment.Empty);
        var labels = deployment.Metadata.Labels!;
        Assert.Equal(Components.Multiorch, labels[LabelKeys.AppComponent]);
        Assert.Equal("zone-a", labels[LabelKeys.Cell]);
        Assert.Equal("minimal", labels[LabelKeys.Cluster]);
        Assert.Equal("0-inf", labels[LabelKeys.Shard]);
        Assert.Equal("postgres", labels[LabelKeys.Database]);
        Assert.Equal("default", labels[LabelKeys.TableGroup]);
        Assert.Equal("multigres-operator", labels[LabelKeys.AppManagedBy]);
    }

    [Fact]
    public void Selector_is_the_allow_listed_subset_and_equal_on_deployment_template_and_service()
    {
        var shard = ShardFixtures.Minimal(s => s with { Multiorch = new MultiorchSpec { PodLabels = new Dictionary<string, string> { ["team"] = "db", [LabelKeys.AppComponent] = "hijack" } } });
        var deployment = MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty);
        var service = MultiOrchServiceBuilder.Build(shard, "zone-a");
        var expected = new Dictionary<string, string>
        {
            [LabelKeys.AppComponent] = Components.Multiorch,
            [LabelKeys.AppInstance] = "minimal",
            [LabelKeys.Cluster] = "minimal",
            [LabelKeys.Database] = "postgres",
            [LabelKeys.TableGroup] = "default",
            [LabelKeys.Shard] = "0-inf",
            [LabelKeys.Cell] = "zone-a",
        };
        Assert.Equal(expected.OrderBy(p => p.Key), deployment.Spec!.Selector!.MatchLabels!.OrderBy(p => p.Key));
        Assert.Equal(expected.OrderBy(p => p.Key), service.Spec!.Selector!.OrderBy(p => p.Key));

        // User pod labels are kept but can never override the operator's (the selector must keep matching).
        var podLabels = deployment.Spec.Template.Metadata!.Labels!;
        Assert.Equal("db", podLabels["team"]);
        Assert.Equal(Components.Multiorch, podLabels[LabelKeys.AppComponent]);
        Assert.All(expected, e => Assert.Equal(e.Value, podLabels[e.Key]));
    }

    [Fact]
    public void Both_objects_are_controller_owned_by_the_shard()
    {
        var shard = ShardFixtures.Minimal();
        foreach (var owners in new[] { MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty).Metadata.OwnerReferences, MultiOrchServiceBuilder.Build(shard, "zone-a").Metadata.OwnerReferences })
        {
            var owner = Assert.Single(owners!);
            Assert.Equal(("multigres.com/v1alpha1", "Shard", ShardFixtures.ShardCrName, ShardFixtures.ShardUid, true, true),
                (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        }
    }

    [Fact]
    public void Args_are_in_reference_order_without_tls()
    {
        Assert.Equal(
            [
                "multiorch",
                "--http-port=15300",
                "--grpc-port=15370",
                "--topo-global-server-addresses=minimal-global-topo.default.svc:2379",
                "--topo-global-root=/multigres/global",
                "--cell=zone-a",
                "--watch-targets=postgres/default/0-inf",
                "--log-level=info",
            ],
            MultiOrchDeploymentBuilder.Args(ShardFixtures.Minimal(), "zone-a"));
    }

    [Fact]
    public void Internal_tls_appends_separate_token_flags_and_mounts_the_multiorch_secret()
    {
        var shard = ShardFixtures.Minimal(s => s with { InternalTls = new InternalTLSConfig { Enabled = true }, LogLevels = new ComponentLogLevels { Multiorch = LogLevel.Debug } });
        var args = MultiOrchDeploymentBuilder.Args(shard, "zone-a");
        Assert.Equal("--log-level=debug", args[7]);
        Assert.Equal(
            [
                "--grpc-cert", "/etc/multigres/tls/tls.crt",
                "--grpc-key", "/etc/multigres/tls/tls.key",
                "--grpc-ca", "/etc/multigres/tls/ca.crt",
                "--grpc-server-ca", "/etc/multigres/tls/ca.crt",
                "--multipooler-grpc-cert", "/etc/multigres/tls/tls.crt",
                "--multipooler-grpc-key", "/etc/multigres/tls/tls.key",
                "--multipooler-grpc-ca", "/etc/multigres/tls/ca.crt",
                "--multipooler-grpc-server-name", "multipooler.minimal.default.multigres.internal",
                "--multipooler-grpc-require-tls",
            ],
            args.Skip(8));

        var pod = MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty).Spec!.Template.Spec!;
        var volume = Assert.Single(pod.Volumes!);
        Assert.Equal("tls-certs", volume.Name);
        Assert.Equal("multiorch.minimal.default.multigres.internal", (string?)volume.Secret!["secretName"]);
        Assert.Equal(292, (int?)volume.Secret["defaultMode"]);
        var mount = Assert.Single(pod.Containers[0].VolumeMounts!);
        Assert.Equal(("tls-certs", "/etc/multigres/tls", (bool?)true), (mount.Name, mount.MountPath, mount.ReadOnly));
    }

    [Fact]
    public void Sampling_volume_comes_before_tls_volume()
    {
        var shard = ShardFixtures.Minimal(s => s with
        {
            InternalTls = new InternalTLSConfig { Enabled = true },
            Observability = new ObservabilityConfig { OtlpEndpoint = "http://otel:4318", SamplingConfigRef = new SamplingConfigRef { Name = "sampling" } },
        });
        var pod = MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty).Spec!.Template.Spec!;
        Assert.Equal(["otel-sampling-config", "tls-certs"], pod.Volumes!.Select(v => v.Name));
        Assert.Equal(["/etc/otel", "/etc/multigres/tls"], pod.Containers[0].VolumeMounts!.Select(m => m.MountPath));
    }

    [Fact]
    public void Container_has_ports_probes_image_and_no_pull_policy()
    {
        var container = Assert.Single(MultiOrchDeploymentBuilder.Build(ShardFixtures.Minimal(), "zone-a", OperatorEnvironment.Empty).Spec!.Template.Spec!.Containers);
        Assert.Equal("multiorch", container.Name);
        Assert.Equal("ghcr.io/multigres/multigres:sha-test", container.Image);
        Assert.Null(container.ImagePullPolicy);
        Assert.Equal([("http", 15300), ("grpc", 15370)], container.Ports!.Select(p => (p.Name!, p.ContainerPortNumber)));
        Assert.Equal("""{"httpGet":{"path":"/ready","port":15300},"periodSeconds":5,"failureThreshold":30}""", container.StartupProbe!.ToJsonString());
        Assert.Equal("""{"httpGet":{"path":"/live","port":15300},"periodSeconds":10}""", container.LivenessProbe!.ToJsonString());
        Assert.Equal("""{"httpGet":{"path":"/ready","port":15300},"periodSeconds":5}""", container.ReadinessProbe!.ToJsonString());
        Assert.Null(container.Env);
    }

    [Fact]
    public void Empty_image_falls_back_to_the_compiled_default()
    {
        var shard = ShardFixtures.Minimal(s => s with { Images = s.Images with { Multiorch = "" } });
        Assert.Equal(DefaultImages.Multiorch, MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty).Spec!.Template.Spec!.Containers[0].Image);
    }

    [Fact]
    public void Otel_env_is_in_order_with_multiorch_resource_attributes_and_project_ref()
    {
        var shard = ShardFixtures.Minimal(annotations: new Dictionary<string, string> { [AnnotationKeys.ProjectRef] = "proj-7" });
        var env = new OperatorEnvironment { OtlpEndpoint = "http://otel:4317", OtlpProtocol = "grpc", ResourceAttributes = "deployment.environment=prod,multigres.component=spoofed" };
        var vars = MultiOrchDeploymentBuilder.Build(shard, "zone-a", env).Spec!.Template.Spec!.Containers[0].Env!;
        Assert.Equal(
            [
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4317"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,multigres.project=proj-7,multigres.cluster=minimal,multigres.component=multiorch"),
            ],
            vars.Select(v => (v.Name, v.Value!)));
    }

    [Fact]
    public void Pod_annotations_drop_prometheus_keys_and_add_project_ref()
    {
        var shard = ShardFixtures.Minimal(s => s with
        {
            Multiorch = new MultiorchSpec
            {
                PodAnnotations = new Dictionary<string, string> { [AnnotationKeys.PrometheusScrape] = "true", [AnnotationKeys.PrometheusPort] = "1", ["note"] = "x" },
            },
        });
        var annotations = MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty).Spec!.Template.Metadata!.Annotations!;
        Assert.Equal(
            new Dictionary<string, string> { ["note"] = "x", [AnnotationKeys.ProjectRef] = "minimal" }.OrderBy(p => p.Key),
            annotations.OrderBy(p => p.Key));
    }

    [Fact]
    public void Replicas_default_to_one_and_placement_follows_the_spec()
    {
        var toleration = new Toleration { Key = "dedicated", Operator = "Exists" };
        var shard = ShardFixtures.Minimal(s => s with { Multiorch = new MultiorchSpec { Placement = new PodPlacementSpec { Tolerations = [toleration] } } });
        var deployment = MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty);
        Assert.Equal(1, deployment.Spec!.Replicas);
        Assert.Equal(new Dictionary<string, string> { [LabelKeys.NodeZoneId] = "us-central1-a" }, deployment.Spec.Template.Spec!.NodeSelector);
        Assert.Equal([toleration], deployment.Spec.Template.Spec.Tolerations!);

        var scaled = ShardFixtures.Minimal(s => s with { Multiorch = new MultiorchSpec { Replicas = 3 } });
        Assert.Equal(3, MultiOrchDeploymentBuilder.Build(scaled, "zone-b", OperatorEnvironment.Empty).Spec!.Replicas);
        Assert.Null(MultiOrchDeploymentBuilder.Build(scaled, "zone-b", OperatorEnvironment.Empty).Spec!.Template.Spec!.NodeSelector);
    }

    [Fact]
    public void Service_is_cluster_ip_with_named_target_ports()
    {
        var spec = MultiOrchServiceBuilder.Build(ShardFixtures.Minimal(), "zone-a").Spec!;
        Assert.Equal("ClusterIP", spec.Type);
        Assert.Equal(
            [("http", 15300, "\"http\""), ("grpc", 15370, "\"grpc\"")],
            spec.Ports!.Select(p => (p.Name!, p.Port, p.TargetPort!.ToJsonString())));
    }

    [Fact]
    public void Orch_cells_prefer_the_explicit_list_in_its_order()
    {
        var spec = ShardFixtures.Minimal(s => s with { Multiorch = new MultiorchSpec { Cells = ["zone-c", "zone-a"] } }).Spec;
        Assert.Equal(["zone-c", "zone-a"], MultiOrchCells.Resolve(spec));
    }

    [Fact]
    public void Orch_cells_default_to_the_sorted_union_of_pool_cells()
    {
        var spec = ShardFixtures.Minimal(s => s with
        {
            Pools = new Dictionary<string, PoolSpec>
            {
                ["b"] = new PoolSpec { Cells = ["zone-c", "zone-a"] },
                ["a"] = new PoolSpec { Cells = ["zone-b", "zone-a"] },
            },
        }).Spec;
        Assert.Equal(["zone-a", "zone-b", "zone-c"], MultiOrchCells.Resolve(spec));
    }

    [Fact]
    public void Orch_cells_without_any_source_fail_with_the_reference_message()
    {
        var spec = ShardFixtures.Minimal(s => s with { Pools = new Dictionary<string, PoolSpec> { ["default"] = new PoolSpec() } }).Spec;
        var error = Assert.Throws<ShardBuildException>(() => MultiOrchCells.Resolve(spec));
        Assert.Equal("multiorch has no cells specified and no cells found in pools - cannot deploy without cell information", error.Message);
        Assert.Equal("Failed to determine Multiorch cells: " + error.Message, MultiOrchCells.EventMessage(error.Message));
        Assert.Empty(MultiOrchCells.TryResolve(spec));
    }

    [Fact]
    public void A_shard_without_cluster_label_is_rejected()
    {
        var shard = ShardFixtures.Minimal();
        shard.Metadata.Labels!.Remove(LabelKeys.Cluster);
        Assert.Throws<ArgumentException>(() => MultiOrchDeploymentBuilder.Build(shard, "zone-a", OperatorEnvironment.Empty));
    }

    [Fact]
    public void Event_messages_name_the_cell()
    {
        Assert.Equal("Failed to supply Multiorch Deployment for cell zone-a: boom", MultiOrchDeploymentBuilder.FailedApplyMessage("zone-a", "boom"));
        Assert.Equal("Failed to supply Multiorch Service for cell zone-a: boom", MultiOrchServiceBuilder.FailedApplyMessage("zone-a", "boom"));
    }
}
