using System.Security.Cryptography.X509Certificates;
using YamlDotNet.Serialization;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>
/// Where the API server is and how to authenticate to it: the resolved form of one kubeconfig
/// context or of the in-cluster service account. Build it with <see cref="FromKubeConfigFile"/>,
/// <see cref="FromKubeConfigYaml"/>, <see cref="InCluster"/> or <see cref="Default"/>, or directly.
/// </summary>
public sealed record KubernetesClientConfiguration
{
    public required Uri Server { get; init; }

    /// <summary>CAs trusted for the server's certificate instead of the system store; null trusts the system store.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Client certificate with its private key, for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    public IBearerTokenProvider? TokenProvider { get; init; }

    /// <summary>Accept any server certificate. For development clusters only.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>Name to verify the server certificate against when it differs from the URL's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>The context's (or service account's) namespace, if any.</summary>
    public string? Namespace { get; init; }

    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>
    /// In a pod, the service account; otherwise the kubeconfig named by <c>KUBECONFIG</c> (first
    /// entry) or <c>~/.kube/config</c>. This is the order operators conventionally use.
    /// </summary>
    public static KubernetesClientConfiguration Default(TimeProvider? timeProvider = null) =>
        IsInCluster() ? InCluster(timeProvider: timeProvider) : FromKubeConfigFile();

    public static bool IsInCluster(string serviceAccountDirectory = ServiceAccountDirectory) =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
        && File.Exists(System.IO.Path.Combine(serviceAccountDirectory, "token"));

    /// <summary>
    /// The pod's service account: <c>KUBERNETES_SERVICE_HOST/PORT</c>, the mounted CA, the
    /// namespace file, and a token re-read when the kubelet rotates it.
    /// </summary>
    public static KubernetesClientConfiguration InCluster(
        string serviceAccountDirectory = ServiceAccountDirectory,
        Func<string, string?>? environment = null,
        TimeProvider? timeProvider = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
            throw new InvalidOperationException("not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");

        // An IPv6 service address needs brackets in a URL.
        var hostPart = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        var caPath = System.IO.Path.Combine(serviceAccountDirectory, "ca.crt");
        var nsPath = System.IO.Path.Combine(serviceAccountDirectory, "namespace");
        X509Certificate2Collection? cas = null;
        if (File.Exists(caPath))
        {
            cas = [];
            cas.ImportFromPemFile(caPath);
        }
        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            CertificateAuthorities = cas,
            TokenProvider = new FileTokenProvider(System.IO.Path.Combine(serviceAccountDirectory, "token"), timeProvider),
            Namespace = File.Exists(nsPath) ? File.ReadAllText(nsPath).Trim() : null,
        };
    }

    /// <summary>Reads a kubeconfig file; relative file references resolve against its directory.</summary>
    public static KubernetesClientConfiguration FromKubeConfigFile(string? path = null, string? context = null)
    {
        path ??= DefaultKubeConfigPath();
        var full = System.IO.Path.GetFullPath(path);
        return FromKubeConfigYaml(File.ReadAllText(full), context, System.IO.Path.GetDirectoryName(full));
    }

    public static string DefaultKubeConfigPath()
    {
        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(env))
            return env.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0];
        return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
    }

    /// <summary>
    /// Resolves one context (the current one unless named) of a kubeconfig document. Supports
    /// server, certificate-authority(-data), insecure-skip-tls-verify, tls-server-name, token,
    /// tokenFile, client-certificate(-data) and client-key(-data). Exec and auth-provider plugins
    /// are refused with a clear message rather than silently ignored.
    /// </summary>
    public static KubernetesClientConfiguration FromKubeConfigYaml(string yaml, string? context = null, string? baseDirectory = null)
    {
        var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
        var doc = deserializer.Deserialize<KubeConfigDocument?>(yaml) ?? throw new FormatException("kubeconfig is empty");
        var contextName = context ?? doc.CurrentContext;
        if (string.IsNullOrEmpty(contextName))
            throw new FormatException("kubeconfig has no current-context and none was given");
        var ctx = doc.Contexts?.FirstOrDefault(c => c.Name == contextName)?.Context
            ?? throw new FormatException($"kubeconfig has no context '{contextName}'");
        var cluster = doc.Clusters?.FirstOrDefault(c => c.Name == ctx.Cluster)?.Cluster
            ?? throw new FormatException($"kubeconfig context '{contextName}' names cluster '{ctx.Cluster}', which is not defined");
        var user = ctx.User is null ? null
            : doc.Users?.FirstOrDefault(u => u.Name == ctx.User)?.User
              ?? throw new FormatException($"kubeconfig context '{contextName}' names user '{ctx.User}', which is not defined");
        if (string.IsNullOrEmpty(cluster.Server))
            throw new FormatException($"kubeconfig cluster '{ctx.Cluster}' has no server");
        if (user?.Exec is not null || user?.AuthProvider is not null)
            throw new NotSupportedException($"kubeconfig user '{ctx.User}' uses an exec or auth-provider plugin, which this client does not run; use a token or client certificate");

        string Resolve(string p) => baseDirectory is null || System.IO.Path.IsPathRooted(p) ? p : System.IO.Path.Combine(baseDirectory, p);

        X509Certificate2Collection? cas = null;
        if (cluster.CertificateAuthorityData is { Length: > 0 } caData)
        {
            cas = [];
            cas.ImportFromPem(DecodeBase64Pem(caData, "certificate-authority-data"));
        }
        else if (cluster.CertificateAuthority is { Length: > 0 } caFile)
        {
            cas = [];
            cas.ImportFromPemFile(Resolve(caFile));
        }

        X509Certificate2? clientCert = null;
        var certPem = user?.ClientCertificateData is { Length: > 0 } cd ? DecodeBase64Pem(cd, "client-certificate-data")
            : user?.ClientCertificate is { Length: > 0 } cf ? File.ReadAllText(Resolve(cf)) : null;
        var keyPem = user?.ClientKeyData is { Length: > 0 } kd ? DecodeBase64Pem(kd, "client-key-data")
            : user?.ClientKey is { Length: > 0 } kf ? File.ReadAllText(Resolve(kf)) : null;
        if (certPem is not null || keyPem is not null)
        {
            if (certPem is null || keyPem is null)
                throw new FormatException($"kubeconfig user '{ctx.User}' has a client certificate without a key or a key without a certificate");
            clientCert = X509Certificate2.CreateFromPem(certPem, keyPem);
        }

        IBearerTokenProvider? token = user?.Token is { Length: > 0 } t ? new StaticTokenProvider(t)
            : user?.TokenFile is { Length: > 0 } tf ? new FileTokenProvider(Resolve(tf))
            : null;

        return new KubernetesClientConfiguration
        {
            Server = new Uri(cluster.Server),
            CertificateAuthorities = cas,
            ClientCertificate = clientCert,
            TokenProvider = token,
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify ?? false,
            TlsServerName = string.IsNullOrEmpty(cluster.TlsServerName) ? null : cluster.TlsServerName,
            Namespace = string.IsNullOrEmpty(ctx.Namespace) ? null : ctx.Namespace,
        };
    }

    private static string DecodeBase64Pem(string data, string field)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data.Trim()));
        }
        catch (FormatException e)
        {
            throw new FormatException($"kubeconfig {field} is not base64", e);
        }
    }
}

// The kubeconfig document as YamlDotNet reads it. Only what the client resolves is mapped;
// everything else is ignored rather than rejected, as kubectl does.
#pragma warning disable CA1812 // instantiated by YamlDotNet through reflection
internal sealed class KubeConfigDocument
{
    [YamlMember(Alias = "current-context")] public string? CurrentContext { get; set; }
    [YamlMember(Alias = "clusters")] public List<NamedCluster>? Clusters { get; set; }
    [YamlMember(Alias = "users")] public List<NamedUser>? Users { get; set; }
    [YamlMember(Alias = "contexts")] public List<NamedContext>? Contexts { get; set; }
}

internal sealed class NamedCluster
{
    [YamlMember(Alias = "name")] public string? Name { get; set; }
    [YamlMember(Alias = "cluster")] public KubeConfigCluster? Cluster { get; set; }
}

internal sealed class KubeConfigCluster
{
    [YamlMember(Alias = "server")] public string? Server { get; set; }
    [YamlMember(Alias = "certificate-authority")] public string? CertificateAuthority { get; set; }
    [YamlMember(Alias = "certificate-authority-data")] public string? CertificateAuthorityData { get; set; }
    [YamlMember(Alias = "insecure-skip-tls-verify")] public bool? InsecureSkipTlsVerify { get; set; }
    [YamlMember(Alias = "tls-server-name")] public string? TlsServerName { get; set; }
}

internal sealed class NamedUser
{
    [YamlMember(Alias = "name")] public string? Name { get; set; }
    [YamlMember(Alias = "user")] public KubeConfigUser? User { get; set; }
}

internal sealed class KubeConfigUser
{
    [YamlMember(Alias = "token")] public string? Token { get; set; }
    [YamlMember(Alias = "tokenFile")] public string? TokenFile { get; set; }
    [YamlMember(Alias = "client-certificate")] public string? ClientCertificate { get; set; }
    [YamlMember(Alias = "client-certificate-data")] public string? ClientCertificateData { get; set; }
    [YamlMember(Alias = "client-key")] public string? ClientKey { get; set; }
    [YamlMember(Alias = "client-key-data")] public string? ClientKeyData { get; set; }
    [YamlMember(Alias = "exec")] public Dictionary<string, object>? Exec { get; set; }
    [YamlMember(Alias = "auth-provider")] public Dictionary<string, object>? AuthProvider { get; set; }
}

internal sealed class NamedContext
{
    [YamlMember(Alias = "name")] public string? Name { get; set; }
    [YamlMember(Alias = "context")] public KubeConfigContext? Context { get; set; }
}

internal sealed class KubeConfigContext
{
    [YamlMember(Alias = "cluster")] public string? Cluster { get; set; }
    [YamlMember(Alias = "user")] public string? User { get; set; }
    [YamlMember(Alias = "namespace")] public string? Namespace { get; set; }
}
#pragma warning restore CA1812
