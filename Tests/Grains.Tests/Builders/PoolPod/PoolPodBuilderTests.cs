using System.Text.Json;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Builders.PoolPods.PoolPodFixtures;

namespace MultigresOrleans.Grains.Tests.Builders.PoolPods;

public sealed class PoolPodBuilderTests
{
    [Fact]
    public void Names_match_the_spec_vectors_for_sample_minimal()
    {
        var shard = Minimal();
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-0", PoolPodMetadata.PodName(shard, Pool, CellName, 0));
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-1", PoolPodMetadata.PodName(shard, Pool, CellName, 1));
        Assert.Equal("data-minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-0", PoolPodMetadata.DataPvcName(shard, Pool, CellName, 0));
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-h---22cdf02c", PoolPodMetadata.HeadlessServiceName(shard, Pool, CellName));
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-pdb-6a4f8455", PoolPodMetadata.PdbName(shard, Pool, CellName));
    }

    [Fact]
    public void Eks_multi_az_pod_name_is_truncated_to_the_pod_limit()
    {
        var shard = Minimal(cluster: "demo-multi-az", shardCrName: "demo-multi-az-postgres-default-0-inf-36e808c2");
        var pod = Build(shard);
        Assert.Equal("demo-multi-az-postgres-default-0-inf-pool-default---8a186ab1-0", pod.Metadata.Name);
        Assert.Equal(pod.Metadata.Name, pod.Spec!.Hostname);
    }

    [Fact]
    public void Pod_metadata_carries_name_namespace_hostname_and_subdomain()
    {
        var pod = Build(index: 1);
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-1", pod.Metadata.Name);
        Assert.Equal(Ns, pod.Metadata.Namespace);
        Assert.Equal(pod.Metadata.Name, pod.Spec!.Hostname);
        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-h---22cdf02c", pod.Spec.Subdomain);
        Assert.Equal(30, pod.Spec.TerminationGracePeriodSeconds);
        Assert.Null(pod.Spec.Containers.SingleOrDefault(c => c.Name == "postgres"));
    }

    [Fact]
    public void Labels_are_the_pool_labels_with_the_cell_zone_id()
    {
        var labels = Build().Metadata.Labels!;
        var expected = new Dictionary<string, string>
        {
            [LabelKeys.AppName] = "multigres",
            [LabelKeys.AppInstance] = "minimal",
            [LabelKeys.AppComponent] = "shard-pool",
            [LabelKeys.AppPartOf] = "multigres",
            [LabelKeys.AppManagedBy] = "multigres-operator",
            [LabelKeys.Cluster] = "minimal",
            [LabelKeys.Database] = "postgres",
            [LabelKeys.TableGroup] = "default",
            [LabelKeys.Shard] = "0-inf",
            [LabelKeys.Pool] = "default",
            [LabelKeys.Cell] = "zone-a",
            [LabelKeys.ZoneId] = "us-central1-a",
        };
        Assert.Equal(expected.OrderBy(l => l.Key), labels.OrderBy(l => l.Key));
    }

    [Fact]
    public void A_region_cell_gets_the_region_label_and_node_selector()
    {
        var shard = Minimal(s => s with
        {
            CellTopologyLabels = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                [CellName] = new Dictionary<string, string> { [LabelKeys.NodeRegion] = "us-east-1" },
            },
        });
        var pod = Build(shard);
        Assert.Equal("us-east-1", pod.Metadata.Labels![LabelKeys.Region]);
        Assert.False(pod.Metadata.Labels.ContainsKey(LabelKeys.ZoneId));
        Assert.Equal(new Dictionary<string, string> { [LabelKeys.NodeRegion] = "us-east-1" }, pod.Spec!.NodeSelector);
    }

    [Fact]
    public void Selector_uses_only_the_allow_listed_keys()
    {
        var selector = PoolPodMetadata.Selector(Minimal(), Pool, CellName);
        Assert.Equal(
            [LabelKeys.AppComponent, LabelKeys.AppInstance, LabelKeys.Cell, LabelKeys.Cluster, LabelKeys.Database, LabelKeys.Pool, LabelKeys.Shard, LabelKeys.TableGroup],
            selector.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("shard-pool", selector[LabelKeys.AppComponent]);
    }

    [Fact]
    public void Shard_labels_cannot_override_the_component()
    {
        var shard = Minimal();
        Assert.Equal("shard", shard.Metadata.Labels![LabelKeys.AppComponent]);
        Assert.Equal("shard-pool", Build(shard).Metadata.Labels![LabelKeys.AppComponent]);
    }

    [Fact]
    public void Annotations_carry_hashes_prometheus_and_project_ref()
    {
        var annotations = Build().Metadata.Annotations!;
        Assert.Equal("restart-1", annotations[AnnotationKeys.PostgresConfigHash]);
        Assert.Equal("reload-1", annotations[AnnotationKeys.PostgresReloadHash]);
        Assert.Equal("true", annotations[AnnotationKeys.PrometheusScrape]);
        Assert.Equal("9187", annotations[AnnotationKeys.PrometheusPort]);
        Assert.Equal("/metrics", annotations[AnnotationKeys.PrometheusPath]);
        Assert.Equal("minimal", annotations[AnnotationKeys.ProjectRef]);
        Assert.Matches("^[0-9a-f]{8}$", annotations[AnnotationKeys.SpecHash]);
    }

    [Fact]
    public void Absent_hashes_are_not_annotated_and_project_ref_comes_from_the_shard()
    {
        var shard = Minimal(annotations: new Dictionary<string, string> { [AnnotationKeys.ProjectRef] = "proj-42" });
        var annotations = Build(shard, inputs: Inputs(configHash: null, reloadHash: null)).Metadata.Annotations!;
        Assert.False(annotations.ContainsKey(AnnotationKeys.PostgresConfigHash));
        Assert.False(annotations.ContainsKey(AnnotationKeys.PostgresReloadHash));
        Assert.Equal("proj-42", annotations[AnnotationKeys.ProjectRef]);
    }

    [Fact]
    public void Owner_is_the_shard_as_controller()
    {
        var owner = Assert.Single(Build().Metadata.OwnerReferences!);
        Assert.Equal(ApiConstants.ApiVersion, owner.ApiVersion);
        Assert.Equal("Shard", owner.Kind);
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c", owner.Name);
        Assert.Equal(ShardUid, owner.Uid);
        Assert.True(owner.Controller);
        Assert.True(owner.BlockOwnerDeletion);
    }

    [Fact]
    public void Pgctld_is_a_native_sidecar_and_multipooler_precedes_the_exporter()
    {
        var pod = Build();
        var init = Assert.Single(pod.Spec!.InitContainers!);
        Assert.Equal("postgres", init.Name);
        Assert.Equal("Always", init.ExtensionData!["restartPolicy"].GetString());
        Assert.Equal(["multipooler", "postgres-exporter"], pod.Spec.Containers.Select(c => c.Name));
    }

    [Fact]
    public void Pgctld_args_env_and_mounts_are_in_order()
    {
        var pgctld = Container(Build(), "postgres");
        Assert.Equal(DefaultImages.Postgres, pgctld.Image);
        Assert.Equal(["/usr/local/bin/pgctld"], pgctld.Command!);
        Assert.Equal(
        [
            "server", "--pooler-dir=/var/lib/pooler", "--grpc-port=15470", "--pg-port=5432", "--pg-listen-addresses=*",
            "--log-level=info", "--grpc-socket-file=/var/lib/pooler/pgctld.sock",
            "--pg-hba-template=/etc/pgctld/pg_hba_template.conf", "--http-port=15400",
            "--pgbackrest-cert-dir=/certs/pgbackrest", "--pgbackrest-port=8432",
        ], pgctld.Args!);
        Assert.Equal(
            ["PGDATA", "POSTGRES_USER", "POSTGRES_PASSWORD_FILE", "POSTGRES_INITDB_EXTRA_CONF"],
            pgctld.Env!.Select(e => e.Name));
        Assert.Equal("postgres", Env(pgctld, "POSTGRES_USER"));
        Assert.Equal("/etc/postgres-password/password", Env(pgctld, "POSTGRES_PASSWORD_FILE"));
        Assert.Equal("/etc/pgctld/postgres-config/postgresql.conf", Env(pgctld, "POSTGRES_INITDB_EXTRA_CONF"));
        Assert.Equal(
        [
            ("pgdata", "/var/lib/pooler", (bool?)null), ("backup-data", "/backups", null), ("socket-dir", "/var/run/postgresql", null),
            ("pg-hba-template", "/etc/pgctld", true), ("postgres-password", "/etc/postgres-password", true),
            ("postgres-config", "/etc/pgctld/postgres-config", true), ("pgbackrest-certs", "/certs/pgbackrest", true),
        ], pgctld.VolumeMounts!.Select(m => (m.Name, m.MountPath, m.ReadOnly)));
        Assert.Null(pgctld.Ports);
        Assert.Equal(15400, pgctld.StartupProbe!["httpGet"]!["port"]!.GetValue<int>());
        Assert.Equal(30, pgctld.StartupProbe["failureThreshold"]!.GetValue<int>());
        Assert.Equal(10, pgctld.LivenessProbe!["periodSeconds"]!.GetValue<int>());
    }

    [Fact]
    public void Pgctld_initdb_args_and_superuser_are_passed_through_env()
    {
        var shard = Minimal(s => s with { InitdbArgs = "--data-checksums", PostgresSuperuser = "admin" });
        var pgctld = Container(Build(shard), "postgres");
        Assert.Equal(
            ["PGDATA", "POSTGRES_USER", "POSTGRES_PASSWORD_FILE", "POSTGRES_INITDB_ARGS", "POSTGRES_INITDB_EXTRA_CONF"],
            pgctld.Env!.Select(e => e.Name));
        Assert.Equal("--data-checksums", Env(pgctld, "POSTGRES_INITDB_ARGS"));
        Assert.Equal("admin", Env(pgctld, "POSTGRES_USER"));
    }

    [Fact]
    public void Multipooler_args_are_in_order_with_the_pooler_service_id()
    {
        var multipooler = Container(Build(), "multipooler");
        Assert.Null(multipooler.Command);
        Assert.Equal(
        [
            "multipooler", "--http-port=15200", "--grpc-port=15270", "--pooler-dir=/var/lib/pooler",
            "--socket-file=/var/lib/pooler/pg_sockets/.s.PGSQL.5432", "--service-map=grpc-pooler",
            "--topo-global-server-addresses=minimal-global-topo.default.svc:2379", "--topo-global-root=/multigres/global",
            "--cell=zone-a", "--database=postgres", "--table-group=default", "--shard=0-inf", "--service-id=p-45f814aa",
            "--pgctld-addr=localhost:15470", "--pg-port=5432", "--connpool-global-capacity=40", "--connpool-admin-capacity=5",
            "--log-level=debug", "--postgres-unrecoverable-timeout=5m", "--pgbackrest-cert-file=/certs/pgbackrest/pgbackrest.crt",
            "--pgbackrest-key-file=/certs/pgbackrest/pgbackrest.key", "--pgbackrest-ca-file=/certs/pgbackrest/ca.crt",
        ], multipooler.Args!);
        Assert.Equal(["http", "grpc", "postgres"], multipooler.Ports!.Select(p => p.Name!));
        Assert.Equal([15200, 15270, 5432], multipooler.Ports!.Select(p => p.ContainerPortNumber));
        Assert.Equal(["PGDATA", "POSTGRES_USER", "POSTGRES_PASSWORD_FILE"], multipooler.Env!.Select(e => e.Name));
        Assert.Equal(
            ["pgdata", "backup-data", "socket-dir", "postgres-password", "pgbackrest-certs"],
            multipooler.VolumeMounts!.Select(m => m.Name));
    }

    [Fact]
    public void Internal_tls_and_encryption_add_flags_volumes_and_mounts_in_order()
    {
        var shard = Minimal(s => s with
        {
            InternalTls = new InternalTLSConfig { Enabled = true },
            Backup = s.Backup! with { Encryption = new BackupEncryptionConfig { SecretName = "cipher" } },
        });
        var pod = Build(shard);
        var multipooler = Container(pod, "multipooler");
        Assert.Equal(
        [
            "--grpc-cert", "/etc/multigres/tls/tls.crt", "--grpc-key", "/etc/multigres/tls/tls.key",
            "--grpc-ca", "/etc/multigres/tls/ca.crt", "--grpc-server-ca", "/etc/multigres/tls/ca.crt",
            "--pgbackrest-cipher-key-file=/secrets/pgbackrest-cipher/keys.json",
        ], multipooler.Args!.Skip(22));
        Assert.Equal(
            ["pgdata", "backup-data", "socket-dir", "postgres-password", "pgbackrest-certs", "pgbackrest-cipher", "tls-certs"],
            multipooler.VolumeMounts!.Select(m => m.Name));
        var tls = pod.Spec!.Volumes!.Single(v => v.Name == "tls-certs");
        Assert.Equal("multipooler.minimal.default.multigres.internal", tls.Secret!["secretName"]!.GetValue<string>());
        Assert.Equal(292, tls.Secret["defaultMode"]!.GetValue<int>());
        Assert.Equal("cipher", pod.Spec.Volumes!.Single(v => v.Name == "pgbackrest-cipher").Secret!["secretName"]!.GetValue<string>());
        // pgctld gets neither TLS nor the cipher key.
        Assert.DoesNotContain(Container(pod, "postgres").VolumeMounts!, m => m.Name is "tls-certs" or "pgbackrest-cipher");
    }

    [Fact]
    public void Exporter_reads_the_password_file_and_runs_as_999()
    {
        var exporter = Container(Build(), "postgres-exporter");
        Assert.Equal(DefaultImages.PostgresExporter, exporter.Image);
        Assert.Equal(["--web.listen-address=:9187", "--extend.query-path=/etc/postgres-exporter/queries.yml"], exporter.Args!);
        Assert.Equal(["DATA_SOURCE_URI", "DATA_SOURCE_USER", "DATA_SOURCE_PASS_FILE"], exporter.Env!.Select(e => e.Name));
        Assert.Equal("localhost:5432/postgres?sslmode=disable&connect_timeout=5&options=-c%20statement_timeout%3D8s", Env(exporter, "DATA_SOURCE_URI"));
        Assert.Equal(["postgres-password", "postgres-exporter-queries"], exporter.VolumeMounts!.Select(m => m.Name));
        Assert.Equal(9187, Assert.Single(exporter.Ports!).ContainerPortNumber);
        Assert.Null(exporter.Resources);
        Assert.Null(exporter.LivenessProbe);
        Assert.Equal("""{"runAsUser":999,"runAsGroup":999,"runAsNonRoot":true}""", exporter.SecurityContext!.ToJsonString());
    }

    [Fact]
    public void Volumes_are_in_order_with_the_user_password_secret_as_a_file()
    {
        var volumes = Build().Spec!.Volumes!;
        Assert.Equal(
            ["pgdata", "backup-data", "socket-dir", "pg-hba-template", "postgres-password", "postgres-config", "postgres-exporter-queries", "pgbackrest-certs"],
            volumes.Select(v => v.Name));
        Assert.Equal("data-minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-0", volumes[0].PersistentVolumeClaim!["claimName"]!.GetValue<string>());
        Assert.Equal("backup-data-minimal-postgres-default-0-inf-811a09a5", volumes[1].PersistentVolumeClaim!["claimName"]!.GetValue<string>());
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-pg-hba", volumes[3].ConfigMap!["name"]!.GetValue<string>());
        Assert.Equal(
            """{"secretName":"multigres-admin-password","items":[{"key":"password","path":"password"}],"defaultMode":292}""",
            volumes[4].Secret!.ToJsonString());
        Assert.Equal(
            """{"name":"minimal-postgres-default-0-inf-1e3c045c-postgres-config","items":[{"key":"postgresql.conf","path":"postgresql.conf"}]}""",
            volumes[5].ConfigMap!.ToJsonString());
        Assert.Equal("minimal-postgres-default-0-inf-1e3c045c-exporter-queries", volumes[6].ConfigMap!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Generated_pgbackrest_certs_project_the_ca_and_server_secrets()
    {
        var certs = Build().Spec!.Volumes!.Single(v => v.Name == "pgbackrest-certs");
        var projected = certs.ExtensionData!["projected"];
        Assert.Equal(288, projected.GetProperty("defaultMode").GetInt32());
        var sources = projected.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("secret")).ToList();
        Assert.Equal(["minimal-postgres-default-0-inf-1e3c045c-pgbackrest-ca", "minimal-postgres-default-0-inf-1e3c045c-pgbackrest-tls"],
            sources.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(["ca.crt"], sources[0].GetProperty("items").EnumerateArray().Select(i => i.GetProperty("path").GetString()));
        Assert.Equal(["pgbackrest.crt", "pgbackrest.key"], sources[1].GetProperty("items").EnumerateArray().Select(i => i.GetProperty("path").GetString()));
    }

    [Fact]
    public void User_pgbackrest_secret_is_projected_alone()
    {
        var shard = Minimal(s => s with { Backup = s.Backup! with { PgBackRestTls = new PgBackRestTLSConfig { SecretName = "my-tls" } } });
        var projected = Build(shard).Spec!.Volumes!.Single(v => v.Name == "pgbackrest-certs").ExtensionData!["projected"];
        var source = Assert.Single(projected.GetProperty("sources").EnumerateArray().ToList()).GetProperty("secret");
        Assert.Equal("my-tls", source.GetProperty("name").GetString());
        Assert.Equal(["ca.crt", "pgbackrest.crt", "pgbackrest.key"], source.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("path").GetString()));
    }

    [Fact]
    public void S3_backup_uses_empty_dir_irsa_and_credential_env()
    {
        var shard = Minimal(s => s with
        {
            Backup = new BackupConfig
            {
                Type = BackupType.S3,
                S3 = new S3BackupConfig { Bucket = "b", Region = "eu-west-1", CredentialsSecret = "aws-creds", ServiceAccountName = "irsa" },
            },
        });
        var pod = Build(shard);
        Assert.NotNull(pod.Spec!.Volumes!.Single(v => v.Name == "backup-data").EmptyDir);
        Assert.Equal("irsa", pod.Spec.ServiceAccountName);
        var multipooler = Container(pod, "multipooler");
        Assert.Equal(["PGDATA", "POSTGRES_USER", "POSTGRES_PASSWORD_FILE", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
            multipooler.Env!.Select(e => e.Name));
        Assert.Equal("""{"secretKeyRef":{"name":"aws-creds","key":"AWS_SECRET_ACCESS_KEY"}}""", multipooler.Env![5].ValueFrom!.ToJsonString());
        Assert.Equal("eu-west-1", Env(Container(pod, "postgres"), "AWS_REGION"));
    }

    [Fact]
    public void Otel_env_follows_the_static_env_with_the_component_attribute()
    {
        var shard = Minimal(s => s with { Observability = new ObservabilityConfig { OtlpEndpoint = "http://otel:4318" } });
        var pod = Build(shard);
        var pgctld = Container(pod, "postgres");
        Assert.Equal("OTEL_EXPORTER_OTLP_ENDPOINT", pgctld.Env![4].Name);
        Assert.Equal("multigres.project=minimal,multigres.cluster=minimal,multigres.component=pgctld", Env(pgctld, "OTEL_RESOURCE_ATTRIBUTES"));
        Assert.Equal("multigres.project=minimal,multigres.cluster=minimal,multigres.component=multipooler",
            Env(Container(pod, "multipooler"), "OTEL_RESOURCE_ATTRIBUTES"));
        Assert.DoesNotContain(Container(pod, "postgres-exporter").Env!, e => e.Name.StartsWith("OTEL_", StringComparison.Ordinal));
    }

    [Fact]
    public void Operator_otel_environment_reaches_the_pod()
    {
        var inputs = Inputs() with { OperatorEnvironment = new OperatorEnvironment { OtlpEndpoint = "http://collector:4317" } };
        Assert.Equal("http://collector:4317", Env(Container(Build(inputs: inputs), "multipooler"), "OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Null(Env(Container(Build(), "multipooler"), "OTEL_EXPORTER_OTLP_ENDPOINT"));
    }

    [Fact]
    public void Default_images_default_to_uid_999_and_custom_images_keep_their_user()
    {
        var pod = Build();
        Assert.Equal("""{"runAsUser":999,"runAsGroup":999,"runAsNonRoot":true}""", Container(pod, "postgres").SecurityContext!.ToJsonString());
        Assert.Equal("""{"runAsUser":999,"runAsGroup":999,"runAsNonRoot":true}""", Container(pod, "multipooler").SecurityContext!.ToJsonString());

        var custom = Build(inputs: Inputs() with { Images = new PoolImages("example/pgctld:1", "example/multigres:1", DefaultImages.PostgresExporter) });
        Assert.Equal("example/pgctld:1", Container(custom, "postgres").Image);
        Assert.Equal("""{"runAsNonRoot":true}""", Container(custom, "postgres").SecurityContext!.ToJsonString());
        Assert.Equal("""{"runAsNonRoot":true}""", Container(custom, "multipooler").SecurityContext!.ToJsonString());
    }

    [Fact]
    public void Empty_shard_images_fall_back_to_the_compiled_defaults()
    {
        var shard = Minimal(s => s with { Images = new ShardImages { Multiorch = "", Multipooler = "", Postgres = "" } });
        var pod = Build(shard);
        Assert.Equal(DefaultImages.Postgres, Container(pod, "postgres").Image);
        Assert.Equal(DefaultImages.Multipooler, Container(pod, "multipooler").Image);
    }

    [Fact]
    public void Multipooler_inherits_the_postgres_uid_and_fs_group_is_pod_level_only()
    {
        var pool = PoolSpec(p => p with { FsGroup = 2000, Postgres = new ContainerConfig { RunAsUser = 1001, RunAsGroup = 1002 } });
        var pod = Build(pool: pool);
        Assert.Equal("""{"fsGroup":2000}""", pod.Spec!.SecurityContext!.ToJsonString());
        Assert.Equal("""{"runAsUser":1001,"runAsGroup":1002,"runAsNonRoot":true}""", Container(pod, "postgres").SecurityContext!.ToJsonString());
        // runAsGroup does not fall back (the spec only lets runAsUser inherit); the default image fills 999.
        Assert.Equal("""{"runAsUser":1001,"runAsGroup":999,"runAsNonRoot":true}""", Container(pod, "multipooler").SecurityContext!.ToJsonString());
        Assert.Null(Build().Spec!.SecurityContext);
    }

    [Fact]
    public void Inconsistent_runtime_identity_fails_with_the_reference_message()
    {
        var onlyPooler = PoolSpec(p => p with { Multipooler = new ContainerConfig { RunAsUser = 1001 } });
        var error = Assert.Throws<PoolPodBuildException>(() => Build(pool: onlyPooler));
        Assert.Equal("multipooler runAsUser 1001 requires matching postgres runAsUser because both access PGDATA", error.Message);

        var mismatch = PoolSpec(p => p with { Postgres = new ContainerConfig { RunAsUser = 1000 }, Multipooler = new ContainerConfig { RunAsUser = 1001 } });
        error = Assert.Throws<PoolPodBuildException>(() => Build(pool: mismatch));
        Assert.Equal("postgres runAsUser 1000 and multipooler runAsUser 1001 must match because both access PGDATA", error.Message);
    }

    [Fact]
    public void Placement_copies_affinity_tolerations_and_resources()
    {
        var toleration = new Toleration { Key = "dedicated", Operator = "Equal", Value = "db", Effect = "NoSchedule" };
        var affinity = new Affinity { NodeAffinity = new NodeAffinity() };
        var resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = "500m" } };
        var pool = PoolSpec(p => p with
        {
            Tolerations = [toleration],
            Affinity = affinity,
            Postgres = new ContainerConfig { Resources = resources },
        });
        var pod = Build(pool: pool);
        Assert.Equal(toleration, Assert.Single(pod.Spec!.Tolerations!));
        Assert.Same(affinity, pod.Spec.Affinity);
        Assert.Same(resources, Container(pod, "postgres").Resources);
        Assert.Equal(new Dictionary<string, string> { [LabelKeys.NodeZoneId] = "us-central1-a" }, pod.Spec.NodeSelector);
    }

    [Fact]
    public void Pod_serializes_with_the_sidecar_restart_policy_in_place()
    {
        var json = JsonSerializer.Serialize(Build(), KubernetesJsonContext.Default.Pod);
        using var document = JsonDocument.Parse(json);
        var init = document.RootElement.GetProperty("spec").GetProperty("initContainers")[0];
        Assert.Equal("Always", init.GetProperty("restartPolicy").GetString());
        Assert.False(document.RootElement.GetProperty("spec").TryGetProperty("serviceAccountName", out _));
    }
}
