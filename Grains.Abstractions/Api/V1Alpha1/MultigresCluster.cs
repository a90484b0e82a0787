using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>
/// The user-facing root (§1.2). The name limit keeps every derived child name (§4.3) within the
/// Kubernetes limits.
/// </summary>
[CustomResource(ApiConstants.Group, ApiConstants.Version, ApiConstants.MultigresClusterKind, "multigresclusters",
    ShortNames = ["mgc"], StatusSubresource = true)]
[PrinterColumn("Available", "string", ".status.conditions[?(@.type=='Available')].status")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
[PrinterColumn("Phase", "string", ".status.phase")]
[PrinterColumn("Images", "string", ".status.images.appliedRevision", Priority = 1)]
[XValidation("self.metadata.name.size() <= 25", "MultigresCluster name must be at most 25 characters")]
public sealed record MultigresCluster : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = ApiConstants.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ApiConstants.MultigresClusterKind;

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; init; } = new();

    [JsonPropertyName("spec")]
    public required MultigresClusterSpec Spec { get; init; }

    [JsonPropertyName("status")]
    public MultigresClusterStatus? Status { get; init; }
}

public sealed record MultigresClusterSpec
{
    /// <summary>Component images here are explicit pins; the operator's defaults are never written back (§6.1.3).</summary>
    [JsonPropertyName("images")]
    public ClusterImages? Images { get; init; }

    [JsonPropertyName("imageUpdatePolicy")]
    public ImageUpdatePolicy? ImageUpdatePolicy { get; init; }

    [JsonPropertyName("logLevels")]
    public ComponentLogLevels? LogLevels { get; init; }

    [JsonPropertyName("templateDefaults")]
    public TemplateDefaults? TemplateDefaults { get; init; }

    [JsonPropertyName("globalTopoServer")]
    [XValidation("[has(self.etcd), has(self.external), has(self.templateRef)].filter(x, x).size() == 1", "must specify exactly one of 'etcd', 'external', or 'templateRef'")]
    public GlobalTopoServerSpec? GlobalTopoServer { get; init; }

    /// <summary>A <c>placement</c> alone does not satisfy the first rule.</summary>
    [JsonPropertyName("multiadmin")]
    [XValidation("has(self.spec) || has(self.templateRef)", "must specify either 'spec' or 'templateRef'")]
    [XValidation("!(has(self.spec) && has(self.templateRef))", "cannot specify both 'spec' and 'templateRef'")]
    public MultiadminConfig? Multiadmin { get; init; }

    [JsonPropertyName("multiadminWeb")]
    [XValidation("has(self.spec) || has(self.templateRef)", "must specify either 'spec' or 'templateRef'")]
    [XValidation("!(has(self.spec) && has(self.templateRef))", "cannot specify both 'spec' and 'templateRef'")]
    public MultiadminWebConfig? MultiadminWeb { get; init; }

    [JsonPropertyName("cells"), ListType("map", "name"), MaxItems(50)]
    [XValidation("oldSelf.all(c, c.name in self.map(x, x.name))", "Cells cannot be removed or renamed (Append-Only)")]
    public IReadOnlyList<CellConfig>? Cells { get; init; }

    [JsonPropertyName("databases"), ListType("map", "name"), MaxItems(1)]
    [XValidation("self.all(db, db.name == 'postgres' && db.default == true)", "in v1alpha1, only the single system database named 'postgres' (marked default: true) is supported")]
    public IReadOnlyList<DatabaseConfig>? Databases { get; init; }

    /// <summary>Note the object default (Delete/Delete) differs from the field defaults of the type (Retain/Delete).</summary>
    [JsonPropertyName("pvcDeletionPolicy"), SchemaDefault("{\"whenDeleted\":\"Delete\",\"whenScaled\":\"Delete\"}")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }

    [JsonPropertyName("observability")]
    public ObservabilityConfig? Observability { get; init; }

    [JsonPropertyName("backup")]
    public BackupConfig? Backup { get; init; }

    [JsonPropertyName("externalGateway")]
    [XValidation("!has(self.annotations) || self.annotations.all(k, !k.startsWith('multigres.com/'))", "annotations must not use multigres.com/ prefix (reserved for operator)")]
    public ExternalServiceConfig? ExternalGateway { get; init; }

    [JsonPropertyName("externalAdminWeb")]
    [XValidation("!has(self.annotations) || self.annotations.all(k, !k.startsWith('multigres.com/'))", "annotations must not use multigres.com/ prefix (reserved for operator)")]
    public ExternalServiceConfig? ExternalAdminWeb { get; init; }

    [JsonPropertyName("topologyPruning")]
    public TopologyPruningConfig? TopologyPruning { get; init; }

    /// <summary>Free-form (upstream multiorch knows AT_LEAST_2 and MULTI_CELL_AT_LEAST_2).</summary>
    [JsonPropertyName("durabilityPolicy")]
    public string? DurabilityPolicy { get; init; }

    [JsonPropertyName("postgresSuperuser"), MaxLength(63), SchemaDefault("\"postgres\"")]
    public string? PostgresSuperuser { get; init; }

    [JsonPropertyName("postgresPasswordSecretRef")]
    public required PostgresPasswordSecretRef PostgresPasswordSecretRef { get; init; }

    [JsonPropertyName("internalTLS")]
    public InternalTLSConfig? InternalTls { get; init; }

    /// <summary>CN/SAN of the public gateway certificate; empty means no public TLS.</summary>
    [JsonPropertyName("certCommonName")]
    public string? CertCommonName { get; init; }
}

public sealed record ClusterImages
{
    /// <summary>Defaulted and propagated, but never applied to a container (§16.3).</summary>
    [JsonPropertyName("imagePullPolicy")]
    public PullPolicy? ImagePullPolicy { get; init; }

    /// <summary>Applied to the multiadmin and multiadmin-web pods only (§16.3).</summary>
    [JsonPropertyName("imagePullSecrets")]
    public IReadOnlyList<LocalObjectReference>? ImagePullSecrets { get; init; }

    [JsonPropertyName("multigateway"), ImageRef]
    public string? Multigateway { get; init; }

    [JsonPropertyName("multiorch"), ImageRef]
    public string? Multiorch { get; init; }

    [JsonPropertyName("multipooler"), ImageRef]
    public string? Multipooler { get; init; }

    [JsonPropertyName("multiadmin"), ImageRef]
    public string? Multiadmin { get; init; }

    [JsonPropertyName("multiadminWeb"), ImageRef]
    public string? MultiadminWeb { get; init; }

    [JsonPropertyName("postgres"), ImageRef]
    public string? Postgres { get; init; }
}

/// <summary>When the cluster adopts a changed operator-default image set (§6.1.3).</summary>
public sealed record ImageUpdatePolicy
{
    /// <summary>Null inherits the operator's <c>--image-update-strategy</c>.</summary>
    [JsonPropertyName("strategy")]
    public ImageUpdateStrategy? Strategy { get; init; }

    [JsonPropertyName("acknowledgedRevision"), MaxLength(64), Pattern(SchemaPatterns.HexRevision)]
    public string? AcknowledgedRevision { get; init; }
}

public sealed record TemplateDefaults
{
    [JsonPropertyName("coreTemplate"), TemplateRef]
    public string? CoreTemplate { get; init; }

    [JsonPropertyName("cellTemplate"), TemplateRef]
    public string? CellTemplate { get; init; }

    [JsonPropertyName("shardTemplate"), TemplateRef]
    public string? ShardTemplate { get; init; }
}

/// <summary>Exactly one of etcd, external or templateRef (rule on the property).</summary>
public sealed record GlobalTopoServerSpec
{
    [JsonPropertyName("etcd")]
    public EtcdSpec? Etcd { get; init; }

    [JsonPropertyName("external")]
    public ExternalTopoServerSpec? External { get; init; }

    [JsonPropertyName("templateRef"), TemplateRef]
    public string? TemplateRef { get; init; }

    [JsonPropertyName("pvcDeletionPolicy")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }

    /// <summary>Replaces the template's placement wholesale.</summary>
    [JsonPropertyName("placement")]
    public PodPlacementSpec? Placement { get; init; }
}

/// <summary>Inline spec XOR a CoreTemplate reference; placement applies with either.</summary>
public sealed record MultiadminConfig
{
    [JsonPropertyName("spec")]
    public StatelessSpec? Spec { get; init; }

    [JsonPropertyName("templateRef"), TemplateRef]
    public string? TemplateRef { get; init; }

    [JsonPropertyName("placement")]
    public PodPlacementSpec? Placement { get; init; }
}

public sealed record MultiadminWebConfig
{
    [JsonPropertyName("spec")]
    public StatelessSpec? Spec { get; init; }

    [JsonPropertyName("templateRef"), TemplateRef]
    public string? TemplateRef { get; init; }
}

[XValidation("!(has(self.spec) && has(self.cellTemplate))", "cannot specify both 'spec' and 'cellTemplate'")]
[XValidation("!(has(self.spec) && has(self.overrides))", "cannot specify both 'spec' and 'overrides'")]
[XValidation("!(has(self.zoneId) && has(self.region))", "cannot specify both 'zoneId' and 'region'")]
[XValidation("has(self.zoneId) || has(self.region)", "at least one of 'zoneId' or 'region' must be specified")]
public sealed record CellConfig
{
    [JsonPropertyName("name"), CellName]
    public required string Name { get; init; }

    /// <summary>Scheduled through the node label <c>topology.k8s.aws/zone-id</c>.</summary>
    [JsonPropertyName("zoneId"), ZoneId]
    public string? ZoneId { get; init; }

    [JsonPropertyName("region"), Region]
    public string? Region { get; init; }

    [JsonPropertyName("cellTemplate"), TemplateRef]
    public string? CellTemplate { get; init; }

    [JsonPropertyName("overrides")]
    public CellOverrides? Overrides { get; init; }

    [JsonPropertyName("spec")]
    public CellInlineSpec? Spec { get; init; }
}

/// <summary>Applied on top of the cell's template.</summary>
public sealed record CellOverrides
{
    [JsonPropertyName("multigateway")]
    public MultigatewaySpec? Multigateway { get; init; }

    [JsonPropertyName("multigatewayPlacement")]
    public PodPlacementSpec? MultigatewayPlacement { get; init; }
}

/// <summary>A cell configured without a template (local topology servers allowed).</summary>
public sealed record CellInlineSpec
{
    [JsonPropertyName("multigateway")]
    public MultigatewaySpec? Multigateway { get; init; }

    [JsonPropertyName("multigatewayPlacement")]
    public PodPlacementSpec? MultigatewayPlacement { get; init; }

    [JsonPropertyName("localTopoServer")]
    public LocalTopoServerSpec? LocalTopoServer { get; init; }
}

public sealed record DatabaseConfig
{
    [JsonPropertyName("name"), DatabaseName]
    public required string Name { get; init; }

    [JsonPropertyName("default")]
    public bool? IsDefault { get; init; }

    [JsonPropertyName("tablegroups"), ListType("map", "name"), MaxItems(20)]
    [XValidation("self.filter(x, has(x.default) && x.default).size() == 1", "every database must have exactly one tablegroup marked as default")]
    public IReadOnlyList<TableGroupConfig>? TableGroups { get; init; }

    [JsonPropertyName("backup")]
    public BackupConfig? Backup { get; init; }

    [JsonPropertyName("durabilityPolicy")]
    public string? DurabilityPolicy { get; init; }
}

[XValidation("!has(self.default) || !self.default || self.name == 'default'", "the default tablegroup must be named 'default'")]
public sealed record TableGroupConfig
{
    [JsonPropertyName("name"), TableGroupName]
    public required string Name { get; init; }

    [JsonPropertyName("default")]
    public bool? IsDefault { get; init; }

    [JsonPropertyName("shards"), ListType("map", "name"), MaxItems(32)]
    public IReadOnlyList<ShardConfig>? Shards { get; init; }

    [JsonPropertyName("backup")]
    public BackupConfig? Backup { get; init; }

    [JsonPropertyName("pvcDeletionPolicy")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }
}

[XValidation("!(has(self.spec) && has(self.shardTemplate))", "cannot specify both 'spec' and 'shardTemplate'")]
[XValidation("!(has(self.spec) && has(self.overrides))", "cannot specify both 'spec' and 'overrides'")]
public sealed record ShardConfig
{
    /// <summary>Only the single range shard <c>0-inf</c> exists in v1alpha1.</summary>
    [JsonPropertyName("name"), ShardName]
    [XValidation("self == '0-inf'", "shardName must be strictly equal to '0-inf' in this version")]
    public required string Name { get; init; }

    [JsonPropertyName("shardTemplate"), TemplateRef]
    public string? ShardTemplate { get; init; }

    [JsonPropertyName("overrides")]
    public ShardOverrides? Overrides { get; init; }

    [JsonPropertyName("spec")]
    public ShardInlineSpec? Spec { get; init; }

    [JsonPropertyName("backup")]
    public BackupConfig? Backup { get; init; }
}

/// <summary>
/// What a user may write for one shard, as overrides on its template or as a complete inline spec.
/// User-written pool names are limited to 25 characters (the name budget of §4.3); templates and
/// children allow up to 62.
/// </summary>
public abstract record ShardUserSpec
{
    [JsonPropertyName("multiorch")]
    public MultiorchSpec? Multiorch { get; init; }

    [JsonPropertyName("initdbArgs"), InitdbArgs]
    public string? InitdbArgs { get; init; }

    [JsonPropertyName("postgresConfigRef")]
    public PostgresConfigRef? PostgresConfigRef { get; init; }

    [JsonPropertyName("postgresConfig"), MaxProperties(200)]
    public IReadOnlyDictionary<string, string>? PostgresConfig { get; init; }

    [JsonPropertyName("pools"), MaxProperties(8)]
    [XValidation("self.all(key, size(key) <= 25)", "pool names must be <= 25 chars")]
    [XValidation("oldSelf.all(k, k in self)", "Pools cannot be removed or renamed in this version (Append-Only)")]
    public IReadOnlyDictionary<string, PoolSpec>? Pools { get; init; }
}

/// <summary>Applied on top of the shard's template. Has no pvcDeletionPolicy.</summary>
public sealed record ShardOverrides : ShardUserSpec;

/// <summary>A shard configured without a template.</summary>
public sealed record ShardInlineSpec : ShardUserSpec
{
    [JsonPropertyName("pvcDeletionPolicy")]
    public PVCDeletionPolicy? PvcDeletionPolicy { get; init; }
}

/// <summary>
/// External exposure of a global Service (the multigateway or multiadmin-web Service stays
/// ClusterIP and gains the externalIPs). One type serves both places: their schemas are identical.
/// </summary>
public sealed record ExternalServiceConfig
{
    [JsonPropertyName("enabled")]
    public required bool Enabled { get; init; }

    [JsonPropertyName("externalIPs"), MaxItems(10), IPAddress]
    public IReadOnlyList<string>? ExternalIPs { get; init; }

    [JsonPropertyName("annotations"), MaxProperties(20)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

public sealed record MultigresClusterStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; init; }

    [JsonPropertyName("conditions"), ListType("map", "type")]
    public IReadOnlyList<Condition>? Conditions { get; init; }

    [JsonPropertyName("phase")]
    public Phase? Phase { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    /// <summary>Keyed by cell name.</summary>
    [JsonPropertyName("cells"), MaxProperties(50)]
    public IReadOnlyDictionary<string, CellStatusSummary>? Cells { get; init; }

    /// <summary>Null when the external gateway is disabled.</summary>
    [JsonPropertyName("gateway")]
    public ExternalEndpointStatus? Gateway { get; init; }

    /// <summary>Null when the external admin web is disabled.</summary>
    [JsonPropertyName("adminWeb")]
    public ExternalEndpointStatus? AdminWeb { get; init; }

    /// <summary>Keyed by database name.</summary>
    [JsonPropertyName("databases"), MaxProperties(50)]
    public IReadOnlyDictionary<string, DatabaseStatusSummary>? Databases { get; init; }

    [JsonPropertyName("resolvedTemplates")]
    public ResolvedTemplates? ResolvedTemplates { get; init; }

    [JsonPropertyName("images")]
    public ImagesStatus? Images { get; init; }
}

public sealed record CellStatusSummary
{
    [JsonPropertyName("ready")]
    public required bool Ready { get; init; }

    [JsonPropertyName("gatewayReplicas")]
    public required int GatewayReplicas { get; init; }
}

public sealed record DatabaseStatusSummary
{
    [JsonPropertyName("readyShards")]
    public required int ReadyShards { get; init; }

    [JsonPropertyName("totalShards")]
    public required int TotalShards { get; init; }
}

/// <summary>Where an externally exposed Service answers: from externalIPs, else load-balancer ingress; empty until provisioned.</summary>
public sealed record ExternalEndpointStatus
{
    [JsonPropertyName("externalEndpoint")]
    public required string ExternalEndpoint { get; init; }
}

/// <summary>The templates the last reconcile resolved, sorted and deduplicated (drives template watches).</summary>
public sealed record ResolvedTemplates
{
    [JsonPropertyName("coreTemplates"), TemplateRef]
    public IReadOnlyList<string>? CoreTemplates { get; init; }

    [JsonPropertyName("cellTemplates"), TemplateRef]
    public IReadOnlyList<string>? CellTemplates { get; init; }

    [JsonPropertyName("shardTemplates"), TemplateRef]
    public IReadOnlyList<string>? ShardTemplates { get; init; }
}

/// <summary>The effective images and the default-image rollout state (§6.1.3).</summary>
public sealed record ImagesStatus
{
    /// <summary>The strategy in effect (<c>immediate</c> or <c>lazy</c>); a plain string in the schema.</summary>
    [JsonPropertyName("updateStrategy")]
    public string? UpdateStrategy { get; init; }

    [JsonPropertyName("effective")]
    public required ComponentImages Effective { get; init; }

    [JsonPropertyName("source")]
    public required ImageSource Source { get; init; }

    [JsonPropertyName("applied")]
    public ComponentImages? Applied { get; init; }

    [JsonPropertyName("appliedRevision")]
    public string? AppliedRevision { get; init; }

    [JsonPropertyName("available")]
    public ComponentImages? Available { get; init; }

    [JsonPropertyName("availableRevision")]
    public string? AvailableRevision { get; init; }
}

/// <summary>
/// One image per component. Also the JSON shape of the <c>multigres.com/applied-images</c>
/// annotation.
/// </summary>
public sealed record ComponentImages
{
    [JsonPropertyName("multigateway"), ImageRef]
    public string? Multigateway { get; init; }

    [JsonPropertyName("multiorch"), ImageRef]
    public string? Multiorch { get; init; }

    [JsonPropertyName("multipooler"), ImageRef]
    public string? Multipooler { get; init; }

    [JsonPropertyName("multiadmin"), ImageRef]
    public string? Multiadmin { get; init; }

    [JsonPropertyName("multiadminWeb"), ImageRef]
    public string? MultiadminWeb { get; init; }

    [JsonPropertyName("postgres"), ImageRef]
    public string? Postgres { get; init; }
}
