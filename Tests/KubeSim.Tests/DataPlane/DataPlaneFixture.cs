using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MultigresOrleans.Etcd;
using MultigresOrleans.KubeSim.DataPlane;
using MultigresOrleans.KubeSim.DataPlane.Protos;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.DataPlane;

/// <summary>
/// One real etcd (scripts/etcd.sh, stopped by PID on dispose) and one in-process KubeSim with the
/// simulated data plane pointed at it, on a manual clock. Tests isolate themselves by namespace and by
/// a topology root of their own. Pods start with no delay, so time moves only when a test moves it.
/// </summary>
public sealed class DataPlaneFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private ScriptedServer? etcdServer;
    private int counter;

    public FakeTimeProvider Time { get; } = new(Start);
    public KubeSimServer Server { get; private set; } = null!;
    public SimulatedDataPlane DataPlane => Server.DataPlane!;
    public HttpClient Http { get; private set; } = null!;
    public EtcdClient Etcd { get; private set; } = null!;
    public string EtcdUrl => etcdServer!.Fields[0];
    private string EtcdDataDir => etcdServer!.Fields[2];

    public async Task InitializeAsync()
    {
        etcdServer = ScriptedServer.Start("etcd.sh", fieldCount: 3);
        Etcd = new EtcdClient(new EtcdClientOptions { Endpoints = [EtcdUrl] });
        Server = await KubeSimServer.StartAsync(new KubeSimOptions { DataPlaneEtcd = EtcdUrl, PodStartupDelay = TimeSpan.Zero }, Time);
        Http = new HttpClient { BaseAddress = Server.HttpUrl, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Server.AdminToken);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
        Etcd?.Dispose();
        etcdServer?.Dispose();
        if (etcdServer is not null && Directory.Exists(EtcdDataDir))
            Directory.Delete(EtcdDataDir, recursive: true);
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref counter)}";
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } };
        (await Http.PostJsonAsync("/api/v1/namespaces", body)).Expect(HttpStatusCode.Created);
        return name;
    }

    /// <summary>
    /// A fresh topology: a global root with a Cell record for <paramref name="cell"/> whose root is a
    /// separate cell root (so tests see the fake honour the Cell record), and whose server address is an
    /// in-cluster name that does not resolve here.
    /// </summary>
    public async Task<Topology> NewTopologyAsync(string test, string cell = "zone1")
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var topology = new Topology($"/dp-tests/{test}/{id}/global", cell, $"/dp-tests/{test}/{id}/{cell}");
        var record = new Cell { Name = cell, Root = topology.CellRoot };
        record.ServerAddresses.Add("c-zone1-topo.ns.svc:2379");
        await Etcd.PutAsync(TopologyNames.CellKey(topology.GlobalRoot, cell), record.ToByteArray());
        return topology;
    }

    public async Task CreateAsync(string ns, string resource, JsonObject body)
    {
        var path = resource == "pods" || resource == "configmaps" ? $"/api/v1/namespaces/{ns}/{resource}" : throw new ArgumentException(resource);
        (await Http.PostJsonAsync(path, body)).Expect(HttpStatusCode.Created);
    }

    /// <summary>
    /// Creates a pool pod and waits until the kubelet made it Ready. The startup delay is zero, so the
    /// simulated kubelet arms no timers and the clock stays where the test left it: the returned instant is
    /// both the pod's start time and the moment it became Ready.
    /// </summary>
    public async Task<DateTimeOffset> CreateReadyPodAsync(string ns, JsonObject pod)
    {
        var now = Time.GetUtcNow();
        await CreateAsync(ns, "pods", pod);
        var name = pod["metadata"]!["name"]!.GetValue<string>();
        await WaitForPodAsync(ns, name, ready: true);
        return now;
    }

    public async Task WaitForPodAsync(string ns, string name, bool ready) =>
        await Eventually.UntilAsync(async () => (await Http.GetJsonAsync($"/api/v1/namespaces/{ns}/pods/{name}")).Object,
            p => p["status"]?["phase"]?.GetValue<string>() == "Running"
                 && (p["status"]?["conditions"] as JsonArray ?? []).Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == (ready ? "True" : "False")),
            $"pod {ns}/{name} to be Running and {(ready ? "" : "not ")}Ready");

    /// <summary>Creates a pool pod, makes it Ready and waits until its pooler is ACTIVE in etcd.</summary>
    public async Task<(DateTimeOffset ReadyAt, string Key)> StartPoolerAsync(string ns, Topology topology, JsonObject pod)
    {
        var readyAt = await CreateReadyPodAsync(ns, pod);
        var key = topology.PoolerKey(pod["metadata"]!["name"]!.GetValue<string>());
        await WaitForRecordAsync(key, r => r.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleActive, "the pooler record to be ACTIVE");
        return (readyAt, key);
    }

    public async Task<Multipooler?> ReadRecordAsync(string key, long revision = 0)
    {
        var result = await Etcd.RangeAsync(new RangeRequest(key) { Revision = revision });
        return result.Single is { } kv ? Multipooler.Parser.ParseFrom(kv.Value) : null;
    }

    public async Task<Multipooler> WaitForRecordAsync(string key, Func<Multipooler, bool> done, string expected)
    {
        var record = await Eventually.UntilAsync(() => ReadRecordAsync(key), r => r is not null && done(r), $"{expected} at {key}");
        return record!;
    }

    public async Task DeletePodAsync(string ns, string name) =>
        (await Http.DeleteJsonAsync($"/api/v1/namespaces/{ns}/pods/{name}")).Expect(HttpStatusCode.OK);

    public async Task AnnotatePodAsync(string ns, string name, string key, string? value)
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [key] = value } } };
        (await Http.PatchJsonAsync($"/api/v1/namespaces/{ns}/pods/{name}", patch)).Expect(HttpStatusCode.OK);
    }
}

[CollectionDefinition(Name)]
public sealed class DataPlaneCollection : ICollectionFixture<DataPlaneFixture>
{
    public const string Name = "KubeSim data plane";
}

/// <summary>One test's topology: global root, cell and the cell root its Cell record names.</summary>
public sealed record Topology(string GlobalRoot, string Cell, string CellRoot)
{
    public const string Database = "postgres";
    public const string TableGroup = "default";
    public const string ShardName = "0-inf";
    public const string HeadlessService = "c-pool-svc";

    public ShardRef Shard => new(GlobalRoot, Database, TableGroup, ShardName);

    public string PoolerKey(string pod) => $"{CellRoot}/poolers/multipooler-{Cell}-{TopologyNames.PoolerServiceId(pod)}/Pooler";

    public static string Hostname(string ns, string pod) => $"{pod}.{HeadlessService}.{ns}.svc.cluster.local";

    /// <summary>A pool pod shaped like the operator's (spec §6): labels, DNS identity, pgctld include of the ConfigMap, multipooler flags.</summary>
    public JsonObject PoolPod(string name, string? configMap = null, JsonObject? annotations = null)
    {
        var args = new JsonArray(
            "multipooler", "--http-port=15200", "--grpc-port=15270", "--pooler-dir=/var/lib/pooler",
            "--socket-file=/var/lib/pooler/pg_sockets/.s.PGSQL.5432", "--service-map=grpc-pooler",
            "--topo-global-server-addresses=c-global-topo.ns.svc:2379", "--topo-global-root=" + GlobalRoot,
            "--cell=" + Cell, "--database=" + Database, "--table-group=" + TableGroup, "--shard=" + ShardName,
            "--service-id=" + TopologyNames.PoolerServiceId(name), "--pgctld-addr=localhost:15470", "--pg-port=5432",
            "--connpool-global-capacity=40", "--connpool-admin-capacity=5", "--log-level=info");
        var spec = new JsonObject
        {
            ["hostname"] = name,
            ["subdomain"] = HeadlessService,
            ["initContainers"] = new JsonArray(new JsonObject
            {
                ["name"] = "postgres",
                ["image"] = "ghcr.io/multigres/pgctld:sha-66d2310",
                ["restartPolicy"] = "Always",
                ["args"] = new JsonArray("server", "--pooler-dir=/var/lib/pooler", "--grpc-port=15470", "--pg-port=5432"),
                ["env"] = new JsonArray(
                    new JsonObject { ["name"] = "PGDATA", ["value"] = "/var/lib/pooler/pg_data" },
                    new JsonObject { ["name"] = "POSTGRES_INITDB_EXTRA_CONF", ["value"] = "/etc/pgctld/postgres-config/postgresql.conf" }),
                ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "postgres-config", ["mountPath"] = "/etc/pgctld/postgres-config", ["readOnly"] = true }),
            }),
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "multipooler",
                ["image"] = "ghcr.io/multigres/multigres:sha-66d2310",
                ["args"] = args,
                ["env"] = new JsonArray(new JsonObject { ["name"] = "PGDATA", ["value"] = "/var/lib/pooler/pg_data" }),
            }),
        };
        if (configMap is not null)
        {
            spec["volumes"] = new JsonArray(new JsonObject
            {
                ["name"] = "postgres-config",
                ["configMap"] = new JsonObject
                {
                    ["name"] = configMap,
                    ["items"] = new JsonArray(new JsonObject { ["key"] = "postgresql.conf", ["path"] = "postgresql.conf" }),
                },
            });
        }
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject
                {
                    ["app.kubernetes.io/name"] = "multigres",
                    ["app.kubernetes.io/component"] = "shard-pool",
                    ["multigres.com/cell"] = Cell,
                },
                ["annotations"] = annotations ?? new JsonObject(),
            },
            ["spec"] = spec,
        };
    }

    public static JsonObject PostgresConfig(string name, string text) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["postgresql.conf"] = text },
    };
}
