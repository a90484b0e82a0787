using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Runtime.Storage.Kubernetes;

/// <summary>
/// Options of the Kubernetes grain storage provider and reminder table. Give either an existing
/// <see cref="Client"/> (shared, not disposed by the provider) or a <see cref="Configuration"/>
/// (the provider creates and owns a client); with neither, the conventional default applies: the
/// pod's service account in a cluster, else the kubeconfig.
/// </summary>
public sealed class KubernetesStorageOptions
{
    /// <summary>The default <see cref="MaxStateBytes"/>: 900 KiB, leaving room under the API server's 1 MiB ConfigMap limit for metadata.</summary>
    public const int DefaultMaxStateBytes = 900 * 1024;

    /// <summary>An existing client to use; it stays the caller's (the provider never disposes it).</summary>
    public KubernetesClient? Client { get; set; }

    /// <summary>How to reach the API server when <see cref="Client"/> is null; null means <see cref="KubernetesClientConfiguration.Default"/>.</summary>
    public KubernetesClientConfiguration? Configuration { get; set; }

    /// <summary>
    /// The namespace holding the ConfigMaps (normally the operator's own). Null: the client
    /// configuration's namespace (in a pod, the service account's), else <c>default</c>.
    /// </summary>
    public string? Namespace { get; set; }

    /// <summary>First segment of every ConfigMap name (a DNS label: at most 63 of a-z, 0-9 and inner -); lets several silos or clusters share a namespace.</summary>
    public string NamePrefix { get; set; } = "grain";

    /// <summary>Serialiser for state; insert a JsonSerializerContext into its options for source-generated serialisation.</summary>
    public GrainStateSerializer Serializer { get; set; } = GrainStateSerializer.Default;

    /// <summary>Per-attempt request timeout of the client the provider creates (a supplied <see cref="Client"/> keeps its own).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest serialised state (or reminder partition document) accepted; larger ones are refused before any request.</summary>
    public int MaxStateBytes { get; set; } = DefaultMaxStateBytes;
}

/// <summary>
/// The client and namespace a provider works in, resolved once from <see cref="KubernetesStorageOptions"/>,
/// with ownership of a client the options did not supply.
/// </summary>
internal sealed class KubernetesStorageConnection : IDisposable
{
    private readonly KubernetesClient? owned;

    public KubernetesStorageConnection(KubernetesStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        KubernetesObjectNames.ValidatePrefix(options.NamePrefix);
        if (options.MaxStateBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxStateBytes, "MaxStateBytes must be positive");
        var configuration = options.Client?.Configuration ?? options.Configuration ?? KubernetesClientConfiguration.Default();
        Namespace = options.Namespace ?? configuration.Namespace ?? "default";
        KubernetesObjectNames.ValidateNamespace(Namespace);
        var client = options.Client;
        if (client is null)
        {
            owned = new KubernetesClient(configuration, new KubernetesClientOptions { RequestTimeout = options.RequestTimeout });
            client = owned;
        }

        ConfigMaps = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        Prefix = options.NamePrefix;
        MaxBytes = options.MaxStateBytes;
    }

    public ResourceClient<ConfigMap> ConfigMaps { get; }

    public string Namespace { get; }

    public string Prefix { get; }

    public int MaxBytes { get; }

    /// <summary>
    /// The resourceVersion stored now, for the message of a conflict; null when it cannot be
    /// learned. Best effort: failing to learn it must not hide the conflict being reported.
    /// </summary>
    public async Task<string?> CurrentVersionAsync(string name)
    {
        try
        {
            var current = await ConfigMaps.TryGetAsync(name, Namespace).ConfigureAwait(false);
            return current?.Metadata.ResourceVersion;
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TimeoutException)
        {
            return null;
        }
    }

    public void Dispose() => owned?.Dispose();
}
