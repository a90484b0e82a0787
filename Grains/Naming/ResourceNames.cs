using System.Globalization;

namespace MultigresOrleans.Grains.Naming;

/// <summary>The name of every object the operator creates or references by a fixed rule (spec §4.2).</summary>
/// <remarks>
/// Names built from several user-chosen parts go through <see cref="NameJoiner.JoinWithConstraints(NameConstraints, string[])"/>
/// so that different part lists never produce the same name and long inputs are cut to the Kubernetes limit of the object's
/// kind. The plain concatenations are the upstream names unchanged (the spec gives no reason they are not hashed); every
/// name here must match upstream byte for byte, because the operator finds existing objects again by name.
/// </remarks>
public static class ResourceNames
{
    /// <summary>Internal-TLS component identity of MultiAdmin.</summary>
    public const string MultiAdminComponent = "multiadmin";

    /// <summary>Internal-TLS component identity of MultiGateway.</summary>
    public const string MultiGatewayComponent = "multigateway";

    /// <summary>Internal-TLS component identity of MultiOrch.</summary>
    public const string MultiOrchComponent = "multiorch";

    /// <summary>Internal-TLS component identity of MultiPooler.</summary>
    public const string MultiPoolerComponent = "multipooler";

    /// <summary>Domain of the internal-TLS identities; they are checked through a gRPC server-name override and need not resolve.</summary>
    public const string InternalTlsDomain = "multigres.internal";

    /// <summary>Secret cert-manager writes for the public gateway Certificate (<c>spec.certCommonName</c>).</summary>
    public const string PublicGatewayTlsSecretName = "generated-certs";

    /// <summary>Name of the etcd StatefulSet volume claim template; its PVCs are <c>data-&lt;statefulset&gt;-&lt;i&gt;</c>.</summary>
    public const string TopoServerDataVolumeName = "data";

    /// <summary>Port of the etcd client Service.</summary>
    public const int TopoServerClientPort = 2379;

    /// <summary>Key of the pg_hba template in <see cref="PgHbaConfigMapName"/>.</summary>
    public const string PgHbaConfigMapKey = "pg_hba_template.conf";

    /// <summary>Key of the rendered configuration in <see cref="PostgresConfigConfigMapName"/>.</summary>
    public const string PostgresConfigConfigMapKey = "postgresql.conf";

    /// <summary>Key of the exporter queries in <see cref="ExporterQueriesConfigMapName"/>.</summary>
    public const string ExporterQueriesConfigMapKey = "queries.yml";

    /// <summary>Webhook CA Secret.</summary>
    public const string WebhookCaSecretName = "multigres-operator-ca-secret";

    /// <summary>Webhook serving-certificate Secret.</summary>
    public const string WebhookServerSecretName = "multigres-webhook-certs";

    /// <summary>Orphaned-PVC garbage collector CronJob (after the install's <c>multigres-operator-</c> name prefix).</summary>
    public const string GcCronJobName = "multigres-operator-gc";

    /// <summary>Garbage collector ServiceAccount.</summary>
    public const string GcServiceAccountName = "multigres-operator-gc";

    /// <summary>Garbage collector ClusterRole.</summary>
    public const string GcClusterRoleName = "multigres-operator-gc-role";

    /// <summary>Garbage collector ClusterRoleBinding.</summary>
    public const string GcClusterRoleBindingName = "multigres-operator-gc-rolebinding";

    // ---- Topology servers -------------------------------------------------------------------------------------------

    /// <summary>Global TopoServer CR, its etcd StatefulSet and client Service: <c>&lt;cluster&gt;-global-topo</c>.</summary>
    public static string GlobalTopoServerName(string cluster) => cluster + "-global-topo";

    /// <summary>Global etcd headless Service: <c>&lt;cluster&gt;-global-topo-headless</c>.</summary>
    public static string GlobalTopoServerHeadlessServiceName(string cluster) =>
        TopoServerHeadlessServiceName(GlobalTopoServerName(cluster));

    /// <summary>Global etcd pod <paramref name="index"/>: <c>&lt;cluster&gt;-global-topo-&lt;i&gt;</c>.</summary>
    public static string GlobalTopoServerPodName(string cluster, int index) =>
        TopoServerPodName(GlobalTopoServerName(cluster), index);

    /// <summary>Global etcd data PVC of pod <paramref name="index"/>: <c>data-&lt;cluster&gt;-global-topo-&lt;i&gt;</c>.</summary>
    public static string GlobalTopoServerDataPvcName(string cluster, int index) =>
        TopoServerDataPvcName(GlobalTopoServerName(cluster), index);

    /// <summary>Managed local TopoServer CR, StatefulSet and client Service of a cell: <c>JWC(StatefulSet, &lt;cellCR&gt;, "topo")</c>.</summary>
    public static string LocalTopoServerName(string cellCrName) =>
        NameJoiner.JoinWithConstraints(NameConstraints.StatefulSet, cellCrName, "topo");

    /// <summary>Headless Service of any TopoServer (global or local): <c>&lt;topoServer&gt;-headless</c>.</summary>
    public static string TopoServerHeadlessServiceName(string topoServerName) => topoServerName + "-headless";

    /// <summary>etcd pod <paramref name="index"/> of any TopoServer's StatefulSet: <c>&lt;topoServer&gt;-&lt;i&gt;</c>.</summary>
    public static string TopoServerPodName(string topoServerName, int index) => topoServerName + "-" + Index(index);

    /// <summary>etcd data PVC of pod <paramref name="index"/>: <c>data-&lt;topoServer&gt;-&lt;i&gt;</c>.</summary>
    public static string TopoServerDataPvcName(string topoServerName, int index) =>
        TopoServerDataVolumeName + "-" + TopoServerPodName(topoServerName, index);

    /// <summary>Client address of a managed TopoServer: <c>&lt;topoServer&gt;.&lt;ns&gt;.svc:2379</c>.</summary>
    public static string TopoServerClientAddress(string topoServerName, string ns) =>
        topoServerName + "." + ns + ".svc:" + TopoServerClientPort.ToString(CultureInfo.InvariantCulture);

    // ---- Cluster-wide components ------------------------------------------------------------------------------------

    /// <summary>MultiAdmin Deployment and Service: <c>&lt;cluster&gt;-multiadmin</c>.</summary>
    public static string MultiAdminName(string cluster) => cluster + "-multiadmin";

    /// <summary>MultiAdminWeb Deployment and Service: <c>&lt;cluster&gt;-multiadmin-web</c>.</summary>
    public static string MultiAdminWebName(string cluster) => cluster + "-multiadmin-web";

    /// <summary>Global gateway Service (all cells): <c>&lt;cluster&gt;-multigateway</c>.</summary>
    public static string GlobalGatewayServiceName(string cluster) => cluster + "-multigateway";

    /// <summary>Global gateway replica Service: <c>&lt;cluster&gt;-multigateway-replica</c>.</summary>
    public static string GlobalGatewayReplicaServiceName(string cluster) => cluster + "-multigateway-replica";

    /// <summary>Public gateway cert-manager Certificate: named by <c>spec.certCommonName</c> verbatim.</summary>
    public static string PublicGatewayCertificateName(string certCommonName) => certCommonName;

    /// <summary>
    /// Internal-TLS identity <c>&lt;component&gt;.&lt;cluster&gt;.&lt;ns&gt;.multigres.internal</c>: the Certificate name, its
    /// Secret name and its CN/SAN. Empty when any part is empty (spec §1.5).
    /// </summary>
    public static string InternalTlsName(string component, string cluster, string ns) =>
        string.IsNullOrEmpty(component) || string.IsNullOrEmpty(cluster) || string.IsNullOrEmpty(ns)
            ? string.Empty
            : component + "." + cluster + "." + ns + "." + InternalTlsDomain;

    // ---- Cells ------------------------------------------------------------------------------------------------------

    /// <summary>Cell CR: <c>JWC(Default, cluster, cell)</c>.</summary>
    public static string CellName(string cluster, string cell) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Default, cluster, cell);

    /// <summary>Per-cell MultiGateway Deployment: <c>JWC(Default, cluster, cell, "multigateway")</c>.</summary>
    public static string GatewayDeploymentName(string cluster, string cell) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Default, cluster, cell, "multigateway");

    /// <summary>Per-cell MultiGateway Service: <c>JWC(Service, cluster, cell, "multigateway")</c>.</summary>
    public static string GatewayServiceName(string cluster, string cell) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Service, cluster, cell, "multigateway");

    // ---- Table groups and shards ------------------------------------------------------------------------------------

    /// <summary>TableGroup CR: <c>JWC(Default, cluster, db, tg)</c>.</summary>
    public static string TableGroupName(string cluster, string database, string tableGroup) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Default, cluster, database, tableGroup);

    /// <summary>
    /// Shard CR: <c>JWC(Default, cluster, db, tg, shard)</c>. The TableGroup controller takes <paramref name="cluster"/> from
    /// the TableGroup's <c>multigres.com/cluster</c> label.
    /// </summary>
    public static string ShardName(string cluster, string database, string tableGroup, string shard) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Default, cluster, database, tableGroup, shard);

    /// <summary>Per-cell MultiOrch Deployment of a shard: <c>JWC(Default, cluster, db, tg, shard, "multiorch", cell)</c>.</summary>
    public static string MultiOrchDeploymentName(string cluster, string database, string tableGroup, string shard, string cell) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Default, cluster, database, tableGroup, shard, "multiorch", cell);

    /// <summary>Per-cell MultiOrch Service of a shard: <c>JWC(Service, cluster, db, tg, shard, "multiorch", cell)</c>.</summary>
    public static string MultiOrchServiceName(string cluster, string database, string tableGroup, string shard, string cell) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Service, cluster, database, tableGroup, shard, "multiorch", cell);

    /// <summary>
    /// Base of a pool's pod names in one cell: <c>JWC(Pod, cluster, db, tg, shard, "pool", pool, cell)</c>, at most 60
    /// characters so that <c>-&lt;index&gt;</c> still fits a 63-character hostname.
    /// </summary>
    public static string PoolPodBaseName(string cluster, string database, string tableGroup, string shard, string pool, string cell) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Pod, cluster, database, tableGroup, shard, "pool", pool, cell);

    /// <summary>Pool pod <paramref name="index"/>: <c>&lt;podBase&gt;-&lt;index&gt;</c>.</summary>
    public static string PoolPodName(
        string cluster, string database, string tableGroup, string shard, string pool, string cell, int index) =>
        PoolPodBaseName(cluster, database, tableGroup, shard, pool, cell) + "-" + Index(index);

    /// <summary>Data PVC of pool pod <paramref name="index"/>: <c>data-&lt;podBase&gt;-&lt;index&gt;</c>.</summary>
    public static string PoolDataPvcName(
        string cluster, string database, string tableGroup, string shard, string pool, string cell, int index) =>
        "data-" + PoolPodName(cluster, database, tableGroup, shard, pool, cell, index);

    /// <summary>
    /// Headless Service of a pool in one cell (also the pods' <c>subdomain</c>):
    /// <c>JWC(Service, cluster, db, tg, shard, "pool", pool, cell, "headless")</c>.
    /// </summary>
    public static string PoolHeadlessServiceName(
        string cluster, string database, string tableGroup, string shard, string pool, string cell) =>
        NameJoiner.JoinWithConstraints(
            NameConstraints.Service, cluster, database, tableGroup, shard, "pool", pool, cell, "headless");

    /// <summary>PodDisruptionBudget of a pool in one cell: <c>JWC(Service, cluster, db, tg, shard, "pool", pool, cell, "pdb")</c>.</summary>
    public static string PoolPdbName(string cluster, string database, string tableGroup, string shard, string pool, string cell) =>
        NameJoiner.JoinWithConstraints(
            NameConstraints.Service, cluster, database, tableGroup, shard, "pool", pool, cell, "pdb");

    /// <summary>The one shared filesystem-backup PVC of a shard (no cell part): <c>JWC(Service, "backup-data", cluster, db, tg, shard)</c>.</summary>
    public static string ShardBackupPvcName(string cluster, string database, string tableGroup, string shard) =>
        NameJoiner.JoinWithConstraints(NameConstraints.Service, "backup-data", cluster, database, tableGroup, shard);

    /// <summary>pg_hba template ConfigMap of a shard: <c>&lt;shardCR&gt;-pg-hba</c>.</summary>
    public static string PgHbaConfigMapName(string shardCrName) => shardCrName + "-pg-hba";

    /// <summary>Rendered postgresql.conf ConfigMap of a shard: <c>&lt;shardCR&gt;-postgres-config</c>.</summary>
    public static string PostgresConfigConfigMapName(string shardCrName) => shardCrName + "-postgres-config";

    /// <summary>postgres_exporter queries ConfigMap of a shard: <c>&lt;shardCR&gt;-exporter-queries</c>.</summary>
    public static string ExporterQueriesConfigMapName(string shardCrName) => shardCrName + "-exporter-queries";

    /// <summary>pgBackRest CA Secret of a shard: <c>&lt;shardCR&gt;-pgbackrest-ca</c>.</summary>
    public static string PgBackRestCaSecretName(string shardCrName) => shardCrName + "-pgbackrest-ca";

    /// <summary>pgBackRest server TLS Secret of a shard: <c>&lt;shardCR&gt;-pgbackrest-tls</c>.</summary>
    public static string PgBackRestTlsSecretName(string shardCrName) => shardCrName + "-pgbackrest-tls";

    /// <summary>The multipooler <c>--service-id</c> of a pool pod: <c>p-</c> + 8 hex chars (see <see cref="NameJoiner.PoolerServiceId"/>).</summary>
    public static string PoolerServiceId(string podName) => NameJoiner.PoolerServiceId(podName);

    private static string Index(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return index.ToString(CultureInfo.InvariantCulture);
    }
}
