using System.Net;

namespace MultigresOrleans.Silo;

/// <summary>
/// The operator process's settings, from its environment (spec §12.1 plus the runtime's own). A
/// missing required variable stops the process with a message naming it, before anything starts.
/// </summary>
public sealed record SiloSettings
{
    /// <summary>POD_NAMESPACE: where the silo keeps its Leases, partition map and grain state.</summary>
    public required string Namespace { get; init; }

    /// <summary>POD_SERVICE_ACCOUNT: the operator's identity (the webhook lets only it write child CRs).</summary>
    public required string ServiceAccount { get; init; }

    /// <summary>POD_NAME (else the host name): the silo's name in membership.</summary>
    public required string SiloName { get; init; }

    /// <summary>KUBECONFIG: a kubeconfig file; unset in a pod, where the in-cluster configuration is used.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>GRAIN_CLUSTER_KEY_FILE: the shared HMAC key (≥ 32 bytes) authenticating calls between silos.</summary>
    public required string KeyFile { get; init; }

    /// <summary>
    /// GRAIN_CLUSTER_ADDITIONAL_KEY_FILE: a key also accepted on incoming grain calls while the cluster key is
    /// rotated (the Secret's optional <c>additional-key</c>); a path with no file behind it means none.
    /// </summary>
    public string? AdditionalKeyFile { get; init; }

    /// <summary>GRAIN_LISTEN: the HTTP/2 grain-call endpoint (default 0.0.0.0:11111).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Any, 11111);

    /// <summary>GRAIN_ADVERTISE: how other silos reach this one (default http://POD_IP:port).</summary>
    public Uri? Advertise { get; init; }

    /// <summary>HEALTH_PORT: /healthz and /readyz (spec §12.2 --health-probe-bind-address, default 8081).</summary>
    public int HealthPort { get; init; } = 8081;

    /// <summary>GRAIN_CLUSTER_NAME: membership objects are named after it (default multigres-operator).</summary>
    public string ClusterName { get; init; } = "multigres-operator";

    /// <summary>IMAGE_UPDATE_STRATEGY / --image-update-strategy: immediate or lazy.</summary>
    public string ImageUpdateStrategy { get; init; } = "immediate";

    /// <summary>
    /// GRAIN_STORAGE_CONNECTION_STRING: keep grain state and reminders in Azure Blob Storage (or Azurite);
    /// unset keeps them in ConfigMaps of <see cref="Namespace"/>, which needs nothing else to run.
    /// </summary>
    public string? BlobConnectionString { get; init; }

    /// <summary>MULTIGRES_TOPOLOGY_DIAL: sandbox only — dial this etcd for every topology address.</summary>
    public string? TopologyDial { get; init; }

    /// <summary>
    /// MULTIGRES_DATAPLANE_DIAL (host:port): sandbox only — connect every multipooler and multiadmin gRPC call to this
    /// address (KubeSim's simulated data plane), keeping the real host name as the request's authority.
    /// </summary>
    public DnsEndPoint? DataPlaneDial { get; init; }

    /// <summary>
    /// MULTIGRES_INTERNAL_TLS_DIR: a directory with the operator's client certificate for internal gRPC mTLS
    /// (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>, e.g. a mounted cert-manager Secret issued by the internal CA).
    /// Without it, calls to a cluster with <c>internalTLS.enabled</c> fail with a clear error instead of the
    /// reference's silent plaintext failure (contracts §8.8).
    /// </summary>
    public string? InternalTlsDirectory { get; init; }

    /// <summary>MULTIGRES_DEAD_POOLER_GRACE (seconds): how long a pooler record must lack a pod before it is marked SHUTDOWN; unset keeps 60 s.</summary>
    public TimeSpan? DeadPoolerGrace { get; init; }

    /// <summary>MULTIGRES_QUARANTINE_MIN_AGE (seconds): the quarantine stale-record guard; unset keeps 3 minutes.</summary>
    public TimeSpan? QuarantineMinimumAge { get; init; }

    /// <summary>An optional whole number of seconds, ≥ 0.</summary>
    private static TimeSpan? Seconds(Func<string, string?> env, string name) => env(name) is { Length: > 0 } text
        ? int.TryParse(text, out var seconds) && seconds >= 0 ? TimeSpan.FromSeconds(seconds) : throw new SiloSettingsException($"{name} '{text}' is not a number of seconds")
        : null;

    public static SiloSettings FromEnvironment(Func<string, string?> env, string[] args)
    {
        ArgumentNullException.ThrowIfNull(env);
        string Required(string name) => env(name) is { Length: > 0 } value
            ? value
            : throw new SiloSettingsException($"{name} environment variable must be set");

        var ns = Required("POD_NAMESPACE");
        var account = Required("POD_SERVICE_ACCOUNT");
        var strategy = Flag(args, "--image-update-strategy") ?? env("IMAGE_UPDATE_STRATEGY") ?? "immediate";
        if (strategy is not ("immediate" or "lazy"))
            throw new SiloSettingsException("--image-update-strategy must be 'immediate' or 'lazy'");
        var listen = env("GRAIN_LISTEN") is { Length: > 0 } l
            ? IPEndPoint.TryParse(l, out var parsed) ? parsed : throw new SiloSettingsException($"GRAIN_LISTEN '{l}' is not an address:port")
            : new IPEndPoint(IPAddress.Any, 11111);
        Uri? advertise = null;
        if (env("GRAIN_ADVERTISE") is { Length: > 0 } a)
            advertise = Uri.TryCreate(a, UriKind.Absolute, out var uri) ? uri : throw new SiloSettingsException($"GRAIN_ADVERTISE '{a}' is not an absolute URI");
        else if (env("POD_IP") is { Length: > 0 } ip)
            advertise = new Uri($"http://{(ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip)}:{listen.Port}");
        var health = env("HEALTH_PORT") is { Length: > 0 } h
            ? int.TryParse(h, out var port) && port is >= 0 and <= 65535 ? port : throw new SiloSettingsException($"HEALTH_PORT '{h}' is not a port")
            : 8081;
        return new SiloSettings
        {
            Namespace = ns,
            ServiceAccount = account,
            SiloName = env("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName,
            Kubeconfig = env("KUBECONFIG") is { Length: > 0 } k ? k : null,
            KeyFile = Required("GRAIN_CLUSTER_KEY_FILE"),
            AdditionalKeyFile = env("GRAIN_CLUSTER_ADDITIONAL_KEY_FILE") is { Length: > 0 } extra ? extra : null,
            Listen = listen,
            Advertise = advertise,
            HealthPort = health,
            ClusterName = env("GRAIN_CLUSTER_NAME") is { Length: > 0 } c ? c : "multigres-operator",
            ImageUpdateStrategy = strategy,
            BlobConnectionString = env("GRAIN_STORAGE_CONNECTION_STRING") is { Length: > 0 } blob ? blob : null,
            TopologyDial = env("MULTIGRES_TOPOLOGY_DIAL") is { Length: > 0 } d ? d : null,
            QuarantineMinimumAge = Seconds(env, "MULTIGRES_QUARANTINE_MIN_AGE"),
            DeadPoolerGrace = Seconds(env, "MULTIGRES_DEAD_POOLER_GRACE"),
            InternalTlsDirectory = env("MULTIGRES_INTERNAL_TLS_DIR") is { Length: > 0 } tlsDir ? tlsDir : null,
            DataPlaneDial = env("MULTIGRES_DATAPLANE_DIAL") is { Length: > 0 } dial ? ParseHostPort("MULTIGRES_DATAPLANE_DIAL", dial) : null,
        };
    }

    private static DnsEndPoint ParseHostPort(string name, string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value[(colon + 1)..], out var port) && port is > 0 and <= 65535
            ? new DnsEndPoint(value[..colon].Trim('[', ']'), port)
            : throw new SiloSettingsException($"{name} '{value}' is not host:port");
    }

    private static string? Flag(string[] args, string name)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
                return args[i + 1];
            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
                return args[i][(name.Length + 1)..];
        }

        return null;
    }
}

/// <summary>A setting is missing or malformed; the message names it.</summary>
public sealed class SiloSettingsException : Exception
{
    public SiloSettingsException()
    {
    }

    public SiloSettingsException(string message)
        : base(message)
    {
    }

    public SiloSettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
