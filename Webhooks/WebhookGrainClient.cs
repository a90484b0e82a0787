using System.Text.Json;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Runtime;
using MultigresOrleans.Runtime.Membership.Kubernetes;
using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Transport;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// The webhook's connection to the operator's grain cluster in the runtime's client mode: it follows
/// the silos' Leases and partition map (read only) and calls grains over the authenticated HTTP/2
/// transport, hosting nothing. Configured with the silos' own variables: <c>GRAIN_CLUSTER_KEY_FILE</c>
/// (the shared HMAC key; unset means no grain cluster, and the webhook lists through the API server)
/// and <c>GRAIN_CLUSTER_NAME</c> (default <c>multigres-operator</c>), in the webhook's namespace.
/// </summary>
public sealed class WebhookGrainClient : IAsyncDisposable
{
    public const string DefaultClusterName = "multigres-operator";

    private readonly KubernetesClient _api;
    private readonly KubernetesMembership _membership;
    private readonly ClusterClient _client;

    private WebhookGrainClient(KubernetesClient api, KubernetesMembership membership, ClusterClient client, TimeSpan callTimeout)
    {
        _api = api;
        _membership = membership;
        _client = client;
        CallTimeout = callTimeout;
    }

    public IGrainFactory Client => _client;

    /// <summary>The bound of one grain call (<see cref="GrainAdmissionDataSource.DefaultTimeout"/>).</summary>
    public TimeSpan CallTimeout { get; }

    /// <summary>Null when <c>GRAIN_CLUSTER_KEY_FILE</c> is unset; throws with a clear message when the key is unusable.</summary>
    public static async Task<WebhookGrainClient?> FromEnvironmentAsync(Func<string, string?> env, string @namespace, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(loggers);
        if (env("GRAIN_CLUSTER_KEY_FILE") is not { Length: > 0 } keyFile)
            return null;
        var clusterName = env("GRAIN_CLUSTER_NAME") is { Length: > 0 } name ? name : DefaultClusterName;
        var key = ReadKey(keyFile);
        var timeout = GrainAdmissionDataSource.DefaultTimeout;

        // No client-side retries: the grain call's own bound must hold.
        var api = new KubernetesClient(KubernetesClientConfiguration.Default(), new KubernetesClientOptions { MaxRetries = 0 });
        var membership = KubernetesMembership.ForClient(api, new KubernetesMembershipOptions { Namespace = @namespace, ClusterName = clusterName },
            "webhook-" + Environment.MachineName, PartitionHash.DefaultPartitionCount, loggers.CreateLogger("MultigresOrleans.Webhooks.Membership"));
        try
        {
            await membership.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await membership.DisposeAsync().ConfigureAwait(false);
            api.Dispose();
            throw;
        }

        var client = Build(membership, null, key, timeout, TimeProvider.System, loggers);
        Log.GrainClientConfigured(loggers.CreateLogger("MultigresOrleans.Webhooks"), clusterName, @namespace, timeout);
        return new WebhookGrainClient(api, membership, client, timeout);
    }

    /// <summary>The client as the webhook uses it; tests pass a fixed membership and directory.</summary>
    public static ClusterClient Build(Runtime.Membership.IMembershipOracle membership, Runtime.Membership.ISiloDirectory? directory, ReadOnlyMemory<byte> key,
        TimeSpan callTimeout, TimeProvider time, ILoggerFactory loggers)
    {
        var builder = new ClusterClientBuilder()
            .AddGrainInterface<ITemplateGrain>()
            .UseMembership(membership)
            .UseTimeProvider(time)
            .UseLoggerFactory(loggers)
            .Configure(o =>
            {
                o.SharedKey = key;
                o.SerializerOptions = SerializerOptions();
                // The client's own timeout matches the data source's bound; both sit far below the
                // webhook's 8 s request timeout, so a dead grain cluster costs one bounded wait.
                o.CallTimeout = callTimeout;
                o.ConnectTimeout = callTimeout < o.ConnectTimeout ? callTimeout : o.ConnectTimeout;
            });
        if (directory is not null)
            builder.UseSiloDirectory(directory);
        return builder.Build();
    }

    /// <summary>The silos' serializer for the operator grains' values (Silo/OperatorSilo.cs uses the same contexts).</summary>
    public static JsonSerializerOptions SerializerOptions()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        json.TypeInfoResolverChain.Add(OperatorGrainsJsonContext.Default);
        return json;
    }

    private static byte[] ReadKey(string keyFile)
    {
        byte[] key;
        try
        {
            key = File.ReadAllBytes(keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"GRAIN_CLUSTER_KEY_FILE '{keyFile}' cannot be read: {e.Message}", e);
        }

        return key.Length >= 32 ? key : throw new InvalidOperationException($"GRAIN_CLUSTER_KEY_FILE '{keyFile}' holds {key.Length} bytes; the grain cluster key needs at least 32");
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync().ConfigureAwait(false);
        await _membership.DisposeAsync().ConfigureAwait(false);
        _api.Dispose();
    }
}
