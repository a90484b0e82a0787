namespace MultigresOrleans.Grains.Builders.TopoServers;

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The etcd StatefulSet of a TopoServer, global or cell-local alike (spec §6.4). etcd is bootstrapped statically: every
/// member is named in <c>ETCD_INITIAL_CLUSTER</c> by its stable StatefulSet DNS name, so the pods must start in parallel
/// (each waits for its peers) and the headless Service must publish not-ready addresses.
/// </summary>
public static class EtcdStatefulSetBuilder
{
    public const string ContainerName = "etcd";
    public const int DefaultReplicas = 3;

    /// <summary>The controller's own fallback size; the resolver normally supplies 1Gi first (spec §16.6).</summary>
    public const string DefaultStorageSize = "10Gi";

    public const string DataMountPath = "/var/lib/etcd";
    public const int ClientPort = 2379;
    public const int PeerPort = 2380;
    public const int MetricsPort = 2381;
    public const string ClientPortName = "client";
    public const string PeerPortName = "peer";
    public const string MetricsPortName = "metrics";

    /// <summary>Builds the StatefulSet named like the TopoServer, controller-owned by it.</summary>
    public static StatefulSet Build(TopoServer topoServer)
    {
        ArgumentNullException.ThrowIfNull(topoServer);
        var name = NameOf(topoServer);
        var ns = NamespaceOf(topoServer);
        var etcd = topoServer.Spec.Etcd;
        var replicas = etcd?.Replicas ?? DefaultReplicas;
        var labels = WorkloadLabels(topoServer);
        var image = string.IsNullOrEmpty(etcd?.Image) ? DefaultImages.Etcd : etcd.Image;

        var container = new Container
        {
            Name = ContainerName,
            Image = image,
            Resources = etcd?.Resources,
            Env = Env(topoServer),
            Ports =
            [
                new ContainerPort { Name = ClientPortName, ContainerPortNumber = ClientPort, Protocol = "TCP" },
                new ContainerPort { Name = PeerPortName, ContainerPortNumber = PeerPort, Protocol = "TCP" },
                new ContainerPort { Name = MetricsPortName, ContainerPortNumber = MetricsPort, Protocol = "TCP" },
            ],
            VolumeMounts = [new VolumeMount { Name = ResourceNames.TopoServerDataVolumeName, MountPath = DataMountPath }],
            StartupProbe = HttpProbe("/readyz", MetricsPort, periodSeconds: 5, failureThreshold: 30),
            LivenessProbe = HttpProbe("/livez", MetricsPort, periodSeconds: 10),
            ReadinessProbe = HttpProbe("/readyz", MetricsPort, periodSeconds: 5),
        };

        var spec = new StatefulSetSpec
        {
            Replicas = replicas,
            Selector = new LabelSelector { MatchLabels = Labels.Selector(labels) },
            ServiceName = ResourceNames.TopoServerHeadlessServiceName(name),
            PodManagementPolicy = "Parallel",
            UpdateStrategy = new JsonObject { ["type"] = "RollingUpdate" },
            Template = new PodTemplateSpec
            {
                Metadata = new ObjectMeta { Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal) },
                Spec = new PodSpec
                {
                    Containers = [container],
                    Tolerations = topoServer.Spec.Placement?.Tolerations?.ToList(),
                },
            },
            VolumeClaimTemplates = [DataClaimTemplate(etcd?.Storage)],
            ExtensionData = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            {
                ["persistentVolumeClaimRetentionPolicy"] = RetentionPolicy(topoServer.Spec.PvcDeletionPolicy),
            },
        };

        return new StatefulSet
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = ns,
                Labels = labels,
                OwnerReferences = [Labels.ControllerReference(topoServer)],
            },
            Spec = spec,
        };
    }

    /// <summary>
    /// The labels of the StatefulSet, its pods, PVCs and Services: the TopoServer's own labels (cluster, cell for local
    /// ones) under the standard labels with component <c>toposerver</c>, so global and local etcd pods are found the same way.
    /// </summary>
    public static Dictionary<string, string> WorkloadLabels(TopoServer topoServer)
    {
        ArgumentNullException.ThrowIfNull(topoServer);
        var cluster = topoServer.Metadata.Labels is { } own && own.TryGetValue(LabelKeys.Cluster, out var c) ? c : "";
        return Labels.Merge(topoServer.Metadata.Labels, Labels.Standard(cluster, Components.TopoServer));
    }

    /// <summary>The etcd environment in its fixed order (spec §6.4); the kubelet expands <c>$(POD_NAME)</c> only from variables defined earlier.</summary>
    public static List<EnvVar> Env(TopoServer topoServer)
    {
        ArgumentNullException.ThrowIfNull(topoServer);
        var name = NameOf(topoServer);
        var ns = NamespaceOf(topoServer);
        var headless = ResourceNames.TopoServerHeadlessServiceName(name);
        var replicas = topoServer.Spec.Etcd?.Replicas ?? DefaultReplicas;
        return
        [
            FieldRef("POD_NAME", "metadata.name"),
            FieldRef("POD_NAMESPACE", "metadata.namespace"),
            Value("ETCD_NAME", "$(POD_NAME)"),
            Value("ETCD_DATA_DIR", DataMountPath),
            Value("ETCD_LISTEN_CLIENT_URLS", Invariant($"http://[::]:{ClientPort}")),
            Value("ETCD_LISTEN_PEER_URLS", Invariant($"http://[::]:{PeerPort}")),
            Value("ETCD_LISTEN_METRICS_URLS", Invariant($"http://[::]:{MetricsPort}")),
            Value("ETCD_ADVERTISE_CLIENT_URLS", Invariant($"http://$(POD_NAME).{headless}.$(POD_NAMESPACE).svc.cluster.local:{ClientPort}")),
            Value("ETCD_INITIAL_ADVERTISE_PEER_URLS", Invariant($"http://$(POD_NAME).{headless}.$(POD_NAMESPACE).svc.cluster.local:{PeerPort}")),
            Value("ETCD_INITIAL_CLUSTER_STATE", "new"),
            Value("ETCD_INITIAL_CLUSTER_TOKEN", name),
            Value("ETCD_INITIAL_CLUSTER", InitialCluster(name, ns, replicas)),
        ];
    }

    /// <summary><c>&lt;name&gt;-0=http://&lt;name&gt;-0.&lt;name&gt;-headless.&lt;ns&gt;.svc.cluster.local:2380,…</c>, one member per replica.</summary>
    public static string InitialCluster(string name, string ns, int replicas)
    {
        var headless = ResourceNames.TopoServerHeadlessServiceName(name);
        var members = new StringBuilder();
        for (var i = 0; i < replicas; i++)
        {
            if (i > 0)
                members.Append(',');
            var pod = ResourceNames.TopoServerPodName(name, i);
            members.Append(CultureInfo.InvariantCulture, $"{pod}=http://{pod}.{headless}.{ns}.svc.cluster.local:{PeerPort}");
        }

        return members.ToString();
    }

    /// <summary>
    /// The StatefulSet PVC retention: <c>whenDeleted</c> is always Retain (topology PVCs are removed only by the cluster
    /// finalizer, so deleting or recreating the StatefulSet never drops etcd data); <c>whenScaled</c> is Delete only when
    /// the TopoServer's policy says so.
    /// </summary>
    public static (string WhenDeleted, string WhenScaled) Retention(PVCDeletionPolicy? policy) =>
        ("Retain", policy?.WhenScaled == PVCRetentionPolicyType.Delete ? "Delete" : "Retain");

    private static JsonElement RetentionPolicy(PVCDeletionPolicy? policy)
    {
        var (whenDeleted, whenScaled) = Retention(policy);
        using var document = JsonDocument.Parse(new JsonObject { ["whenDeleted"] = whenDeleted, ["whenScaled"] = whenScaled }.ToJsonString());
        return document.RootElement.Clone();
    }

    private static PersistentVolumeClaim DataClaimTemplate(StorageSpec? storage)
    {
        var size = string.IsNullOrEmpty(storage?.Size) ? DefaultStorageSize : storage.Size;
        return new PersistentVolumeClaim
        {
            Metadata = new ObjectMeta { Name = ResourceNames.TopoServerDataVolumeName },
            Spec = new PersistentVolumeClaimSpec
            {
                AccessModes = storage?.AccessModes is { Count: > 0 } modes ? modes.ToList() : ["ReadWriteOnce"],
                Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity>(StringComparer.Ordinal) { ["storage"] = size } },
                StorageClassName = string.IsNullOrEmpty(storage?.Class) ? null : storage.Class,
            },
        };
    }

    private static JsonObject HttpProbe(string path, int port, int periodSeconds, int? failureThreshold = null)
    {
        var probe = new JsonObject
        {
            ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = port },
            ["periodSeconds"] = periodSeconds,
        };
        if (failureThreshold is { } threshold)
            probe["failureThreshold"] = threshold;
        return probe;
    }

    private static EnvVar Value(string name, string value) => new() { Name = name, Value = value };

    private static EnvVar FieldRef(string name, string fieldPath) => new()
    {
        Name = name,
        ValueFrom = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = fieldPath } },
    };

    internal static string NameOf(TopoServer topoServer) =>
        topoServer.Metadata.Name ?? throw new ArgumentException("the TopoServer has no metadata.name", nameof(topoServer));

    internal static string NamespaceOf(TopoServer topoServer) =>
        topoServer.Metadata.Namespace ?? throw new ArgumentException($"the TopoServer {topoServer.Metadata.Name} has no metadata.namespace", nameof(topoServer));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
