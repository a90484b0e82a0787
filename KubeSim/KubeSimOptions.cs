using MultigresOrleans.KubeSim.Observability;

namespace MultigresOrleans.KubeSim;

/// <summary>How a KubeSim instance serves and behaves. Every listener defaults to port 0.</summary>
public sealed class KubeSimOptions
{
    /// <summary>Plain HTTP port on 127.0.0.1 (0: any free port).</summary>
    public int Port { get; set; }

    /// <summary>Also serve HTTPS with a generated CA (on <see cref="HttpsPort"/>).</summary>
    public bool Https { get; set; }

    public int HttpsPort { get; set; }

    /// <summary>Where to write a kubeconfig for kubectl and the project's client (null: don't).</summary>
    public string? KubeconfigOut { get; set; }

    /// <summary>How many changes the watch history keeps before older resourceVersions answer 410.</summary>
    public int HistoryCapacity { get; set; } = 10_000;

    /// <summary>Interval between watch bookmarks on the injected clock (real servers: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long after scheduling a simulated pod becomes Running and Ready.</summary>
    public TimeSpan PodStartupDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Run the simulated kubelet and controllers (pods, workloads, PVCs, services, GC).</summary>
    public bool SimulateControllers { get; set; } = true;

    /// <summary>Append one JSON line per write to this file (null: keep the audit log in memory only).</summary>
    public string? AuditLogPath { get; set; }

    /// <summary>Simulated nodes created at start, spread over zones, with topology labels.</summary>
    public int Nodes { get; set; } = 3;

    public FaultInjector Faults { get; } = new();

    /// <summary>Load state from this file at start (if it exists) and save it there on shutdown.</summary>
    public string? SnapshotPath { get; set; }

    /// <summary>
    /// Where webhook `service` references point ("namespace/name" to a base URL such as
    /// https://127.0.0.1:9443): KubeSim has no cluster networking, so the sandbox maps the
    /// operator's webhook Service to the locally running webhook process.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> WebhookServices { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Authorize resource requests with RBAC (Roles, ClusterRoles and their bindings in the store),
    /// answering 403 Forbidden like kube-apiserver; system:masters and the admin token bypass it.
    /// Off: every authenticated user may do everything.
    /// </summary>
    public bool EnforceRbac { get; set; }

    /// <summary>Log each request (method, path, Accept, status) at Information level.</summary>
    public bool LogRequests { get; set; }

    /// <summary>
    /// The etcd endpoint (e.g. http://127.0.0.1:2379) of the simulated Multigres data plane: fake
    /// multipoolers and multiorchs publish topology records there, whatever etcd address the pods'
    /// flags name. Null or empty: no data plane.
    /// </summary>
    public string? DataPlaneEtcd { get; set; }

    /// <summary>Port of the data plane's one h2c gRPC listener on 127.0.0.1 (0: any free port; see KubeSimServer.DataPlaneGrpcPort).</summary>
    public int DataPlaneGrpcPort { get; set; }
}
