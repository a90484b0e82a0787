namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

// Constants of the API package (§1.5) and the metadata keys the operator reads and writes
// (§5.1, §5.2). Values are wire facts: they must match the reference operator exactly.

/// <summary>Group, version and kind names.</summary>
public static class ApiConstants
{
    public const string Group = "multigres.com";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;

    public const string MultigresClusterKind = "MultigresCluster";
    public const string CoreTemplateKind = "CoreTemplate";
    public const string CellTemplateKind = "CellTemplate";
    public const string ShardTemplateKind = "ShardTemplate";
    public const string CellKind = "Cell";
    public const string TableGroupKind = "TableGroup";
    public const string ShardKind = "Shard";
    public const string TopoServerKind = "TopoServer";
}

public static class Finalizers
{
    /// <summary>On every MultigresCluster: children and topology PVCs are deleted before it is released.</summary>
    public const string ClusterCleanup = "multigres.com/cluster-cleanup";

    /// <summary>On every Shard: pods are removed and PVCs orphaned or deleted before it is released.</summary>
    public const string ShardPvcOrphan = "multigres.com/shard-pvc-orphan";
}

public static class ConditionTypes
{
    public const string Available = "Available";
    public const string Ready = "Ready";
    public const string Progressing = "Progressing";
    public const string ReadyForDeletion = "ReadyForDeletion";

    /// <summary>Defined upstream, never set.</summary>
    public const string DeletionBlocked = "DeletionBlocked";

    /// <summary>Defined upstream, never set.</summary>
    public const string TerminalError = "TerminalError";

    public const string GatewayExternalReady = "GatewayExternalReady";
    public const string AdminWebExternalReady = "AdminWebExternalReady";
    public const string ImageRolloutPending = "ImageRolloutPending";

    /// <summary>On Shards: the newest backup is complete and recent enough (spec §8.3).</summary>
    public const string BackupHealthy = "BackupHealthy";

    /// <summary>On Shards: pool pods differ from their desired spec and are being replaced one at a time (spec §6.6.4).</summary>
    public const string RollingUpdate = "RollingUpdate";
}

public static class ConditionReasons
{
    public const string AwaitingEndpoint = "AwaitingEndpoint";
    public const string NoReadyGateways = "NoReadyGateways";
    public const string EndpointReady = "EndpointReady";
    public const string NoReadyAdminWeb = "NoReadyAdminWeb";
    public const string AwaitingAcknowledgement = "AwaitingAcknowledgement";
    public const string RevisionMismatch = "RevisionMismatch";
    public const string UpToDate = "UpToDate";
    public const string FullyPinned = "FullyPinned";
}

public static class SecretNames
{
    /// <summary>The cert-manager Secret of the public multigateway certificate (<c>spec.certCommonName</c>).</summary>
    public const string GeneratedCerts = "generated-certs";
}

/// <summary>
/// Internal gRPC mTLS (§9.4). A component's identity is
/// <c>&lt;component&gt;.&lt;cluster&gt;.&lt;namespace&gt;.multigres.internal</c>: the Certificate
/// name, its Secret name and its CN/SAN alike (empty when any part is empty).
/// </summary>
public static class InternalTls
{
    public const string IdentityDomain = "multigres.internal";
    public const string ComponentMultiadmin = "multiadmin";
    public const string ComponentMultigateway = "multigateway";
    public const string ComponentMultiorch = "multiorch";
    public const string ComponentMultipooler = "multipooler";
}

/// <summary>The compiled default images (§2.5); overridable by operator env, never written to a spec.</summary>
public static class DefaultImages
{
    public const string Postgres = "ghcr.io/multigres/pgctld:sha-66d2310";
    public const string Multiadmin = "ghcr.io/multigres/multigres:sha-66d2310";
    public const string Multiorch = "ghcr.io/multigres/multigres:sha-66d2310";
    public const string Multipooler = "ghcr.io/multigres/multigres:sha-66d2310";
    public const string Multigateway = "ghcr.io/multigres/multigres:sha-66d2310";
    public const string MultiadminWeb = "ghcr.io/multigres/multiadmin-web:sha-64da1ab";
    public const string Etcd = "gcr.io/etcd-development/etcd:v3.6.7";
    public const string PostgresExporter = "quay.io/prometheuscommunity/postgres-exporter:v0.20.1";

    /// <summary>Revision (§6.1.3) of the compiled six-image set.</summary>
    public const string CompiledRevision = "51818592d94d";
}

/// <summary>Label keys (§5.1).</summary>
public static class LabelKeys
{
    public const string AppName = "app.kubernetes.io/name";
    public const string AppInstance = "app.kubernetes.io/instance";
    public const string AppComponent = "app.kubernetes.io/component";
    public const string AppPartOf = "app.kubernetes.io/part-of";
    public const string AppManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>Defined upstream, never written.</summary>
    public const string AppVersion = "app.kubernetes.io/version";

    public const string Cluster = "multigres.com/cluster";
    public const string Database = "multigres.com/database";
    public const string TableGroup = "multigres.com/tablegroup";
    public const string Shard = "multigres.com/shard";
    public const string Pool = "multigres.com/pool";
    public const string Cell = "multigres.com/cell";
    public const string ZoneId = "multigres.com/zone-id";
    public const string Region = "multigres.com/region";

    /// <summary>Only value ever used: <see cref="LabelValues.RoleDrained"/>.</summary>
    public const string Role = "multigres.com/role";

    /// <summary>On orphaned PVCs; value is UTC time as <see cref="LabelValues.OrphanSinceFormat"/>.</summary>
    public const string OrphanSince = "multigres.com/orphan-since";

    /// <summary>Tracking labels on a MultigresCluster (value "true"); informational only.</summary>
    public const string UsesCoreTemplate = "multigres.com/uses-core-template";
    public const string UsesCellTemplate = "multigres.com/uses-cell-template";
    public const string UsesShardTemplate = "multigres.com/uses-shard-template";

    /// <summary>Defined upstream, never written.</summary>
    public const string CellTemplate = "multigres.com/cell-template";

    /// <summary>Defined upstream, never written.</summary>
    public const string ShardTemplate = "multigres.com/shard-template";

    /// <summary>Node label consumed for a cell's <c>zoneId</c> (not written).</summary>
    public const string NodeZoneId = "topology.k8s.aws/zone-id";

    /// <summary>Node label consumed for a cell's <c>region</c> (not written).</summary>
    public const string NodeRegion = "topology.kubernetes.io/region";
}

/// <summary>Fixed label values (§5.1).</summary>
public static class LabelValues
{
    public const string AppName = "multigres";
    public const string PartOf = "multigres";
    public const string ManagedBy = "multigres-operator";
    public const string True = "true";
    public const string RoleDrained = "DRAINED";

    /// <summary>
    /// .NET format of the orphan-since value: RFC 3339 UTC with '-' instead of ':' because label
    /// values cannot hold colons (Go layout <c>2006-01-02T15-04-05Z</c>).
    /// </summary>
    public const string OrphanSinceFormat = "yyyy-MM-dd'T'HH-mm-ss'Z'";
}

/// <summary>Values of <see cref="LabelKeys.AppComponent"/> (§5.1).</summary>
public static class Components
{
    public const string GlobalTopo = "global-topo";
    public const string LocalTopo = "local-topo";
    public const string TopoServer = "toposerver";
    public const string Multiadmin = "multiadmin";
    public const string MultiadminWeb = "multiadmin-web";
    public const string Multigateway = "multigateway";
    public const string Cell = "cell";
    public const string TableGroup = "tablegroup";
    public const string Shard = "shard";
    public const string Multiorch = "multiorch";
    public const string ShardPool = "shard-pool";
    public const string PgHbaConfig = "pg-hba-config";
    public const string PostgresConfig = "postgres-config";
    public const string PostgresExporterQueries = "postgres-exporter-queries";
    public const string PgBackRestTls = "pgbackrest-tls";

    /// <summary>The multigres-gc CronJob (with app.kubernetes.io/name multigres-operator).</summary>
    public const string Gc = "gc";
}

/// <summary>Annotation keys (§5.2).</summary>
public static class AnnotationKeys
{
    public const string SpecHash = "multigres.com/spec-hash";
    public const string PostgresConfigHash = "multigres.com/postgres-config-hash";
    public const string PostgresReloadHash = "multigres.com/postgres-reload-hash";
    public const string AppliedImages = "multigres.com/applied-images";
    public const string DrainState = "drain.multigres.com/state";
    public const string DrainRequestedAt = "drain.multigres.com/requested-at";

    /// <summary>On Cell/TableGroup/Shard CRs; value is an RFC 3339 UTC timestamp.</summary>
    public const string PendingDeletion = "multigres.com/pending-deletion";

    public const string ProjectRef = "multigres.com/project-ref";
    public const string PrometheusScrape = "prometheus.io/scrape";
    public const string PrometheusPort = "prometheus.io/port";
    public const string PrometheusPath = "prometheus.io/path";
    public const string TraceParent = "multigres.com/traceparent";
    public const string TraceParentTimestamp = "multigres.com/traceparent-ts";
    public const string TraceState = "multigres.com/tracestate";
    public const string CertStrategy = "multigres.com/cert-strategy";
}

/// <summary>Fixed annotation values (§5.2).</summary>
public static class AnnotationValues
{
    /// <summary>The applied-images tombstone of a fully pinned cluster: a JSON string, quotes included.</summary>
    public const string AppliedImagesFullyPinned = "\"fully-pinned\"";

    public const string DrainRequested = "requested";
    public const string DrainDraining = "draining";
    public const string DrainAcknowledged = "acknowledged";
    public const string DrainReadyForDeletion = "ready-for-deletion";

    public const string PrometheusScrape = "true";
    public const string PrometheusPort = "9187";
    public const string PrometheusPath = "/metrics";

    public const string CertStrategySelfSigned = "self-signed";
}
