namespace MultigresOrleans.Grains.Builders.PoolPods;

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The three containers of a pool pod (spec §6.6.1): pgctld as a native sidecar, multipooler and postgres_exporter.
/// </summary>
/// <remarks>
/// pgctld is an init container with <c>restartPolicy: Always</c> because Kubernetes stops sidecars only after the
/// regular containers: multipooler receives SIGTERM first and can still ask pgctld to stop PostgreSQL cleanly. Argument
/// and environment order is fixed because both feed the spec-hash (§6.6.5): reordering them would roll every pool pod
/// of every cluster.
/// </remarks>
public static class PoolContainers
{
    public const string PgctldName = "postgres";
    public const string MultipoolerName = "multipooler";
    public const string ExporterName = "postgres-exporter";

    public const int PgctldGrpcPort = 15470;
    public const int PgctldHttpPort = 15400;
    public const int MultipoolerHttpPort = 15200;
    public const int MultipoolerGrpcPort = 15270;
    public const int PostgresPort = 5432;
    public const int ExporterPort = 9187;
    public const int PgBackRestPort = 8432;

    public const string HttpPortName = "http";
    public const string GrpcPortName = "grpc";
    public const string PostgresPortName = "postgres";
    public const string MetricsPortName = "metrics";

    public const string PoolerDir = "/var/lib/pooler";

    /// <summary>How long postgres may stay unrecoverable before the pooler quarantines itself (dataplane-contracts §8.9).</summary>
    public const string PostgresUnrecoverableTimeout = "5m";

    public const string PgData = PoolerDir + "/pg_data";
    public const string PasswordFile = PoolVolumes.PasswordMountPath + "/" + PoolVolumes.PasswordFileName;
    public const string DefaultSuperuser = "postgres";

    /// <summary>UID/GID of the <c>postgres</c> user in the compiled default images, which declare it by name only.</summary>
    public const long DefaultImageUid = 999;

    public const string ExporterDataSourceUri = "localhost:5432/postgres?sslmode=disable&connect_timeout=5&options=-c%20statement_timeout%3D8s";

    /// <summary>
    /// The pool's runtime identity check: pgctld and multipooler both read and write PGDATA, so their UIDs must agree.
    /// Null when valid, else the reference's error text.
    /// </summary>
    public static string? ValidateRuntimeIdentity(PoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var postgres = pool.Postgres?.RunAsUser;
        var multipooler = pool.Multipooler?.RunAsUser;
        if (multipooler is { } m && postgres is null)
            return $"multipooler runAsUser {Number(m)} requires matching postgres runAsUser because both access PGDATA";
        if (multipooler is { } mm && postgres is { } p && mm != p)
            return $"postgres runAsUser {Number(p)} and multipooler runAsUser {Number(mm)} must match because both access PGDATA";
        return null;
    }

    /// <summary>pgctld, the native sidecar that owns the PostgreSQL process.</summary>
    public static Container Pgctld(Shard shard, PoolSpec pool, PoolImages images, OperatorEnvironment operatorEnvironment)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(operatorEnvironment);
        var spec = shard.Spec;
        var args = new List<string>
        {
            "server",
            "--pooler-dir=" + PoolerDir,
            "--grpc-port=" + Number(PgctldGrpcPort),
            "--pg-port=" + Number(PostgresPort),
            "--pg-listen-addresses=*",
            "--log-level=" + LogLevelText(spec.LogLevels?.Pgctld),
            "--grpc-socket-file=" + PoolerDir + "/pgctld.sock",
            "--pg-hba-template=" + PoolVolumes.PgHbaMountPath + "/" + ResourceNames.PgHbaConfigMapKey,
            "--http-port=" + Number(PgctldHttpPort),
        };
        if (spec.Backup is not null)
            args.AddRange(["--pgbackrest-cert-dir=" + PoolVolumes.PgBackRestCertsMountPath, "--pgbackrest-port=" + Number(PgBackRestPort)]);

        var env = new List<EnvVar>
        {
            ProbeShapes.Env("PGDATA", PgData),
            ProbeShapes.Env("POSTGRES_USER", Superuser(spec)),
            ProbeShapes.Env("POSTGRES_PASSWORD_FILE", PasswordFile),
        };
        if (!string.IsNullOrEmpty(spec.InitdbArgs))
            env.Add(ProbeShapes.Env("POSTGRES_INITDB_ARGS", spec.InitdbArgs));
        env.Add(ProbeShapes.Env("POSTGRES_INITDB_EXTRA_CONF", PoolVolumes.PostgresConfigMountPath + "/" + ResourceNames.PostgresConfigConfigMapKey));
        env.AddRange(S3Env(spec.Backup));
        env.AddRange(OtelEnv.BuildWithResourceAttributes(spec.Observability, operatorEnvironment, PoolPodMetadata.ProjectRef(shard), PoolPodMetadata.ClusterName(shard), "pgctld"));

        var mounts = new List<VolumeMount>
        {
            Mount(PoolVolumes.DataVolumeName, PoolerDir),
            Mount(PoolVolumes.BackupVolumeName, PoolVolumes.BackupMountPath),
            Mount(PoolVolumes.SocketVolumeName, PoolVolumes.SocketMountPath),
            Mount(PoolVolumes.PgHbaVolumeName, PoolVolumes.PgHbaMountPath, readOnly: true),
            Mount(PoolVolumes.PasswordVolumeName, PoolVolumes.PasswordMountPath, readOnly: true),
            Mount(PoolVolumes.PostgresConfigVolumeName, PoolVolumes.PostgresConfigMountPath, readOnly: true),
        };
        if (spec.Backup is not null)
            mounts.Add(Mount(PoolVolumes.PgBackRestCertsVolumeName, PoolVolumes.PgBackRestCertsMountPath, readOnly: true));
        if (OtelEnv.SamplingVolume(spec.Observability) is var (_, samplingMount))
            mounts.Add(samplingMount);

        var image = images.Postgres;
        var container = new Container
        {
            Name = PgctldName,
            Image = image,
            Command = ["/usr/local/bin/pgctld"],
            Args = args,
            Env = env,
            Resources = pool.Postgres?.Resources,
            VolumeMounts = mounts,
            StartupProbe = ProbeShapes.HttpGet("/live", PgctldHttpPort, periodSeconds: 5, failureThreshold: 30),
            LivenessProbe = ProbeShapes.HttpGet("/live", PgctldHttpPort, periodSeconds: 10),
            ReadinessProbe = ProbeShapes.HttpGet("/live", PgctldHttpPort, periodSeconds: 5),
            SecurityContext = SecurityContext(
                Default(pool.Postgres?.RunAsUser, image, DefaultImages.Postgres),
                Default(pool.Postgres?.RunAsGroup, image, DefaultImages.Postgres)),
        };

        // The typed Container has no restartPolicy; kept in extension data so it serializes in place.
        container.ExtensionData = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["restartPolicy"] = JsonDocument.Parse("\"Always\"").RootElement.Clone(),
        };
        return container;
    }

    /// <summary>multipooler, a regular container so it receives SIGTERM before its pgctld sidecar.</summary>
    public static Container Multipooler(Shard shard, string cell, PoolSpec pool, string podName, PoolImages images, OperatorEnvironment operatorEnvironment)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentException.ThrowIfNullOrEmpty(cell);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentException.ThrowIfNullOrEmpty(podName);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(operatorEnvironment);
        var spec = shard.Spec;
        var cluster = PoolPodMetadata.ClusterName(shard);
        var internalTls = spec.InternalTls?.Enabled == true;
        var encryption = spec.Backup?.Encryption;

        var args = new List<string>
        {
            "multipooler",
            "--http-port=" + Number(MultipoolerHttpPort),
            "--grpc-port=" + Number(MultipoolerGrpcPort),
            "--pooler-dir=" + PoolerDir,
            "--socket-file=" + PoolerDir + "/pg_sockets/.s.PGSQL.5432",
            "--service-map=grpc-pooler",
            "--topo-global-server-addresses=" + spec.GlobalTopoServer.Address,
            "--topo-global-root=" + spec.GlobalTopoServer.RootPath,
            "--cell=" + cell,
            "--database=" + spec.DatabaseName,
            "--table-group=" + spec.TableGroupName,
            "--shard=" + spec.ShardName,
            "--service-id=" + ResourceNames.PoolerServiceId(podName),
            "--pgctld-addr=localhost:" + Number(PgctldGrpcPort),
            "--pg-port=" + Number(PostgresPort),
            "--connpool-global-capacity=40",
            "--connpool-admin-capacity=5",
            "--log-level=" + LogLevelText(spec.LogLevels?.Multipooler),
            // Not passed by the reference, which leaves the quarantine classifier off, so its remediation path can never
            // run against a real pooler (dataplane-contracts §8.9). Five minutes is upstream's suggested opt-in value.
            "--postgres-unrecoverable-timeout=" + PostgresUnrecoverableTimeout,
        };
        if (spec.Backup is not null)
        {
            args.AddRange(
            [
                "--pgbackrest-cert-file=" + PoolVolumes.PgBackRestCertsMountPath + "/pgbackrest.crt",
                "--pgbackrest-key-file=" + PoolVolumes.PgBackRestCertsMountPath + "/pgbackrest.key",
                "--pgbackrest-ca-file=" + PoolVolumes.PgBackRestCertsMountPath + "/ca.crt",
            ]);
        }

        if (internalTls)
        {
            // Server side only: multipooler dials nothing over internal gRPC, so it needs no client flags (§9.4).
            const string ca = PoolVolumes.InternalTlsMountPath + "/ca.crt";
            args.AddRange(
            [
                "--grpc-cert", PoolVolumes.InternalTlsMountPath + "/tls.crt",
                "--grpc-key", PoolVolumes.InternalTlsMountPath + "/tls.key",
                "--grpc-ca", ca,
                "--grpc-server-ca", ca,
            ]);
        }

        if (encryption is not null)
            args.Add("--pgbackrest-cipher-key-file=" + PoolVolumes.CipherMountPath + "/keys.json");

        var env = new List<EnvVar>
        {
            ProbeShapes.Env("PGDATA", PgData),
            ProbeShapes.Env("POSTGRES_USER", Superuser(spec)),
            ProbeShapes.Env("POSTGRES_PASSWORD_FILE", PasswordFile),
        };
        env.AddRange(S3Env(spec.Backup));
        env.AddRange(OtelEnv.BuildWithResourceAttributes(spec.Observability, operatorEnvironment, PoolPodMetadata.ProjectRef(shard), cluster, MultipoolerName));

        var mounts = new List<VolumeMount>
        {
            Mount(PoolVolumes.DataVolumeName, PoolerDir),
            Mount(PoolVolumes.BackupVolumeName, PoolVolumes.BackupMountPath),
            Mount(PoolVolumes.SocketVolumeName, PoolVolumes.SocketMountPath),
            Mount(PoolVolumes.PasswordVolumeName, PoolVolumes.PasswordMountPath, readOnly: true),
        };
        if (spec.Backup is not null)
            mounts.Add(Mount(PoolVolumes.PgBackRestCertsVolumeName, PoolVolumes.PgBackRestCertsMountPath, readOnly: true));
        if (encryption is not null)
            mounts.Add(Mount(PoolVolumes.CipherVolumeName, PoolVolumes.CipherMountPath, readOnly: true));
        if (internalTls)
            mounts.Add(Mount(PoolVolumes.InternalTlsVolumeName, PoolVolumes.InternalTlsMountPath, readOnly: true));
        if (OtelEnv.SamplingVolume(spec.Observability) is var (_, samplingMount))
            mounts.Add(samplingMount);

        var image = images.Multipooler;
        return new Container
        {
            Name = MultipoolerName,
            Image = image,
            Args = args,
            Ports =
            [
                ProbeShapes.TcpPort(HttpPortName, MultipoolerHttpPort),
                ProbeShapes.TcpPort(GrpcPortName, MultipoolerGrpcPort),
                ProbeShapes.TcpPort(PostgresPortName, PostgresPort),
            ],
            Env = env,
            Resources = pool.Multipooler?.Resources,
            VolumeMounts = mounts,
            StartupProbe = ProbeShapes.HttpGet("/live", MultipoolerHttpPort, periodSeconds: 5, failureThreshold: 30),
            LivenessProbe = ProbeShapes.HttpGet("/live", MultipoolerHttpPort, periodSeconds: 10),
            ReadinessProbe = ProbeShapes.HttpGet("/live", MultipoolerHttpPort, periodSeconds: 5),
            // multipooler falls back to the postgres UID: it must open PGDATA files pgctld created.
            SecurityContext = SecurityContext(
                Default(pool.Multipooler?.RunAsUser ?? pool.Postgres?.RunAsUser, image, DefaultImages.Multipooler),
                Default(pool.Multipooler?.RunAsGroup, image, DefaultImages.Multipooler)),
        };
    }

    /// <summary>postgres_exporter: metrics only, so no resources, probes or OTEL; always UID/GID 999.</summary>
    public static Container Exporter(Shard shard, PoolImages images)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(images);
        return new Container
        {
            Name = ExporterName,
            Image = images.PostgresExporter,
            Args =
            [
                "--web.listen-address=:" + Number(ExporterPort),
                "--extend.query-path=" + PoolVolumes.ExporterQueriesMountPath + "/" + ResourceNames.ExporterQueriesConfigMapKey,
            ],
            Ports = [ProbeShapes.TcpPort(MetricsPortName, ExporterPort)],
            Env =
            [
                ProbeShapes.Env("DATA_SOURCE_URI", ExporterDataSourceUri),
                ProbeShapes.Env("DATA_SOURCE_USER", Superuser(shard.Spec)),
                ProbeShapes.Env("DATA_SOURCE_PASS_FILE", PasswordFile),
            ],
            VolumeMounts =
            [
                Mount(PoolVolumes.PasswordVolumeName, PoolVolumes.PasswordMountPath, readOnly: true),
                Mount(PoolVolumes.ExporterQueriesVolumeName, PoolVolumes.ExporterQueriesMountPath, readOnly: true),
            ],
            SecurityContext = SecurityContext(DefaultImageUid, DefaultImageUid),
        };
    }

    /// <summary>
    /// S3 credentials for pgBackRest (only for an S3 backup): the region, and the user's credentials Secret by reference
    /// so the keys never appear in the pod spec. Injected regardless of <c>useEnvCredentials</c>, as upstream does.
    /// </summary>
    public static List<EnvVar> S3Env(BackupConfig? backup)
    {
        var env = new List<EnvVar>();
        if (backup is not { Type: BackupType.S3, S3: { } s3 })
            return env;
        if (!string.IsNullOrEmpty(s3.Region))
            env.Add(ProbeShapes.Env("AWS_REGION", s3.Region));
        if (!string.IsNullOrEmpty(s3.CredentialsSecret))
        {
            env.Add(SecretEnv("AWS_ACCESS_KEY_ID", s3.CredentialsSecret));
            env.Add(SecretEnv("AWS_SECRET_ACCESS_KEY", s3.CredentialsSecret));
        }

        return env;
    }

    private static EnvVar SecretEnv(string name, string secret) => new()
    {
        Name = name,
        ValueFrom = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = name } },
    };

    private static string Superuser(ShardSpec spec) => string.IsNullOrEmpty(spec.PostgresSuperuser) ? DefaultSuperuser : spec.PostgresSuperuser;

    /// <summary>
    /// The compiled default images declare <c>USER postgres</c> by name, which <c>runAsNonRoot</c> cannot verify, so an
    /// unset UID/GID becomes 999 for them; any other image keeps its own numeric USER.
    /// </summary>
    private static long? Default(long? value, string image, string compiledDefault) =>
        value ?? (image == compiledDefault ? DefaultImageUid : null);

    /// <summary>Field order follows the Go type (runAsUser, runAsGroup, runAsNonRoot) so the JSON in the spec-hash reads like upstream's.</summary>
    private static JsonObject SecurityContext(long? runAsUser, long? runAsGroup)
    {
        var sc = new JsonObject();
        if (runAsUser is { } user)
            sc["runAsUser"] = user;
        if (runAsGroup is { } group)
            sc["runAsGroup"] = group;
        sc["runAsNonRoot"] = true;
        return sc;
    }

    private static VolumeMount Mount(string name, string path, bool readOnly = false) =>
        new() { Name = name, MountPath = path, ReadOnly = readOnly ? true : null };

    /// <summary>The webhook always defaults a level; a Shard written without one still gets a valid flag.</summary>
    private static string LogLevelText(LogLevel? level) => (level ?? HardcodedDefaults.ComponentLogLevel) switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Warn => "warn",
        LogLevel.Error => "error",
        _ => "info",
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
