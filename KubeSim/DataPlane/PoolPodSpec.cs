using System.Globalization;
using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>A shard as Multigres identifies it: its database, table group and shard under one global topology root.</summary>
public sealed record ShardRef(string GlobalRoot, string Database, string TableGroup, string Shard)
{
    public override string ToString() => $"{Database}/{TableGroup}/{Shard} (root {GlobalRoot})";
}

/// <summary>
/// What a fake multipooler needs to know about its pod, read the way the real process learns it:
/// from the multipooler container's flags and environment (dataplane-contracts §6) and from the
/// pod's DNS identity (hostname + subdomain, §2.4).
/// </summary>
public sealed record PoolPodSpec(
    string Namespace,
    string PodName,
    string Uid,
    ShardRef Shard,
    string Cell,
    string ServiceId,
    IReadOnlyList<string> TopoAddresses,
    string Hostname,
    int GrpcPort,
    int HttpPort,
    int PostgresPort,
    int PgBackRestPort,
    string PoolerDir,
    string PgDataDir)
{
    /// <summary>The value of <c>app.kubernetes.io/component</c> on the operator's pool pods (operator-spec §5).</summary>
    public const string PoolComponent = "shard-pool";

    public const string ComponentLabel = "app.kubernetes.io/component";

    public const string MultipoolerContainer = "multipooler";

    /// <summary>The multipooler's default pgBackRest TLS port; the operator does not pass <c>--pgbackrest-port</c> (§2.6).</summary>
    public const int DefaultPgBackRestPort = 8432;

    public const int DefaultPostgresPort = 5432;

    public string PodKey => PodKeyOf(Namespace, PodName);

    public static string PodKeyOf(string ns, string name) => ns + "/" + name;

    /// <summary>Whether the operator built this pod as a pool pod (the fake ignores every other pod).</summary>
    public static bool IsPoolPod(JsonObject pod) =>
        pod["metadata"]?["labels"]?[ComponentLabel]?.GetValue<string>() == PoolComponent;

    /// <summary>
    /// Reads a pool pod. A pod whose multipooler could not start for real (a required flag missing,
    /// no PGDATA) gives an error naming the flag, so a wrong builder shows up instead of being papered over.
    /// </summary>
    public static (PoolPodSpec? Spec, string? Error) Parse(JsonObject pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var meta = pod["metadata"] as JsonObject ?? [];
        var ns = meta["namespace"]?.GetValue<string>() ?? "";
        var name = meta["name"]?.GetValue<string>() ?? "";
        var where = $"pod {ns}/{name}";
        if (FindMultipooler(pod) is not { } container)
            return (null, $"{where}: no container named \"{MultipoolerContainer}\" or running the multipooler subcommand");
        var flags = Flags(container);
        var env = Env(container);

        string? Flag(string flag, string? envFallback = null) =>
            flags.TryGetValue(flag, out var v) && v.Length > 0 ? v
            : envFallback is not null && env.TryGetValue(envFallback, out var e) && e.Length > 0 ? e
            : null;

        var missing = new List<string>();
        string Required(string flag, string? envFallback = null)
        {
            var value = Flag(flag, envFallback);
            if (value is null)
                missing.Add(envFallback is null ? "--" + flag : $"--{flag} (or env {envFallback})");
            return value ?? "";
        }

        var cell = Required("cell", "MT_CELL");
        var database = Required("database", "POSTGRES_DB");
        var tableGroup = Required("table-group");
        var shard = Required("shard");
        var root = Required("topo-global-root");
        var pgData = env.GetValueOrDefault("PGDATA") ?? "";
        if (pgData.Length == 0)
            missing.Add("env PGDATA (the multipooler refuses to start without it)");
        if (missing.Count > 0)
            return (null, $"{where}: the multipooler container lacks {string.Join(", ", missing)}");

        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (flag, fallback) in new[] { ("grpc-port", 0), ("http-port", 0), ("pg-port", DefaultPostgresPort), ("pgbackrest-port", DefaultPgBackRestPort) })
        {
            var text = Flag(flag);
            if (text is null)
                ports[flag] = fallback;
            else if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
                ports[flag] = port;
            else
                return (null, $"{where}: --{flag}={text} is not a port number");
        }

        var addresses = (Flag("topo-global-server-addresses") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var spec = new PoolPodSpec(
            ns,
            name,
            meta["uid"]?.GetValue<string>() ?? "",
            new ShardRef(root, database, tableGroup, shard),
            cell,
            Flag("service-id", "MT_SERVICE_ID") ?? TopologyNames.PoolerServiceId(name),
            addresses,
            Flag("hostname") ?? Fqdn(pod, ns, name),
            ports["grpc-port"],
            ports["http-port"],
            ports["pg-port"],
            ports["pgbackrest-port"],
            Flag("pooler-dir") ?? "",
            pgData);
        return (spec, null);
    }

    /// <summary>
    /// The name the real multipooler publishes: its reverse-DNS FQDN. With <c>spec.hostname</c> and
    /// <c>spec.subdomain</c> (what the operator sets) that is <c>&lt;hostname&gt;.&lt;subdomain&gt;.&lt;ns&gt;.svc.cluster.local</c>;
    /// without a subdomain KubeSim has no DNS record to offer, so the bare host name stands in.
    /// </summary>
    public static string Fqdn(JsonObject pod, string ns, string name)
    {
        var host = pod["spec"]?["hostname"]?.GetValue<string>() is { Length: > 0 } h ? h : name;
        return pod["spec"]?["subdomain"]?.GetValue<string>() is { Length: > 0 } subdomain
            ? $"{host}.{subdomain}.{ns}.svc.cluster.local"
            : host;
    }

    private static JsonObject? FindMultipooler(JsonObject pod)
    {
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        return containers.FirstOrDefault(c => c["name"]?.GetValue<string>() == MultipoolerContainer)
            ?? containers.FirstOrDefault(c => (c["args"] as JsonArray)?.FirstOrDefault()?.GetValue<string>() == MultipoolerContainer);
    }

    /// <summary>Go flag syntax: <c>--name=value</c> or <c>--name value</c> (single dash accepted too); the last occurrence wins.</summary>
    public static Dictionary<string, string> Flags(JsonObject container)
    {
        var args = (container["command"] as JsonArray ?? []).Concat(container["args"] as JsonArray ?? [])
            .Select(a => a?.GetValue<string>() ?? "").ToList();
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg == "-" || arg == "--")
                continue;
            var body = arg.TrimStart('-');
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
                flags[body[..eq]] = body[(eq + 1)..];
            else if (i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                flags[body] = args[++i];
            else
                flags[body] = "true";
        }
        return flags;
    }

    private static Dictionary<string, string> Env(JsonObject container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (e["name"]?.GetValue<string>() is { } n && e["value"] is JsonValue v)
                env[n] = v.GetValue<string>();
        }
        return env;
    }

    /// <summary>
    /// The ConfigMap and key holding the postgresql.conf this pod's postgres includes: the files named by
    /// <c>POSTGRES_INITDB_EXTRA_CONF</c> in the pgctld container (the real include mechanism, §6),
    /// resolved through that container's mounts to a ConfigMap volume. Falls back to any ConfigMap volume
    /// projecting a <c>postgresql.conf</c>. Null when the pod mounts no such file.
    /// </summary>
    public static (string ConfigMap, string Key)? PostgresConfigSource(JsonObject pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var volumes = (pod["spec"]?["volumes"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var containers = (pod["spec"]?["initContainers"] as JsonArray ?? []).Concat(pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>();
        foreach (var container in containers)
        {
            if (!Env(container).TryGetValue("POSTGRES_INITDB_EXTRA_CONF", out var files))
                continue;
            foreach (var file in files.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                foreach (var mount in (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var mountPath = mount["mountPath"]?.GetValue<string>()?.TrimEnd('/') ?? "";
                    if (mountPath.Length == 0 || !file.StartsWith(mountPath + "/", StringComparison.Ordinal))
                        continue;
                    var relative = file[(mountPath.Length + 1)..];
                    var volume = volumes.FirstOrDefault(v => v["name"]?.GetValue<string>() == mount["name"]?.GetValue<string>());
                    if (volume?["configMap"] is JsonObject configMap && KeyForPath(configMap, relative) is { } key)
                        return (configMap["name"]!.GetValue<string>(), key);
                }
            }
        }
        foreach (var volume in volumes)
        {
            if (volume["configMap"] is JsonObject configMap && KeyForPath(configMap, "postgresql.conf") is { } key)
                return (configMap["name"]!.GetValue<string>(), key);
        }
        return null;
    }

    /// <summary>The ConfigMap key projected at <paramref name="path"/>: through <c>items</c> when listed, else the key of the same name.</summary>
    private static string? KeyForPath(JsonObject configMap, string path)
    {
        if (configMap["name"] is null)
            return null;
        if (configMap["items"] is JsonArray items)
            return items.OfType<JsonObject>().FirstOrDefault(i => i["path"]?.GetValue<string>() == path)?["key"]?.GetValue<string>();
        return path.Contains('/', StringComparison.Ordinal) ? null : path;
    }

    /// <summary>Ready = the pod's Ready condition is True and it is not being deleted.</summary>
    public static bool IsReady(JsonObject pod) =>
        pod["metadata"]?["deletionTimestamp"] is null
        && (pod["status"]?["conditions"] as JsonArray ?? []).Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

    /// <summary>The pod's start time (status.startTime), when the kubelet reported one.</summary>
    public static DateTimeOffset? StartTime(JsonObject pod) =>
        pod["status"]?["startTime"]?.GetValue<string>() is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static string? Annotation(JsonObject pod, string key) => pod["metadata"]?["annotations"]?[key]?.GetValue<string>();

    public static string UidOf(JsonObject pod) => pod["metadata"]?["uid"]?.GetValue<string>() ?? "";
}
