using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Tests.Shared;

/// <summary>
/// One in-process KubeSim for the whole assembly (HTTP and HTTPS on port 0, the kubeconfig it
/// writes, a manual clock so bookmarks and simulated controllers only move when a test says so).
/// Clients are built from that kubeconfig exactly as a user would; tests isolate themselves by
/// namespace, and by a bearer token of their own when they count requests on the server.
/// </summary>
public sealed class KubeSimFixture : IAsyncLifetime
{
    public const string HttpsContext = "kubesim";
    public const string HttpContext = "kubesim-http";

    private readonly string directory = Path.Combine(Path.GetTempPath(), "integration-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private int counter;

    public FakeTimeProvider ServerTime { get; } = new(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
    public KubeSimServer Server { get; private set; } = null!;
    public string KubeconfigPath => Path.Combine(directory, "kubeconfig");

    /// <summary>The shared client over HTTPS (the kubeconfig's current context), unthrottled so tests are not slowed.</summary>
    public KubernetesClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        var options = new KubeSimOptions
        {
            Https = true,
            KubeconfigOut = KubeconfigPath,
            // Long, and on the manual clock: a bookmark only arrives when a test moves the clock.
            BookmarkInterval = TimeSpan.FromMinutes(10),
        };
        Server = await KubeSimServer.StartAsync(options, ServerTime);
        Client = NewClient();
    }

    /// <summary>A configuration read from the kubeconfig file KubeSim wrote, optionally for another context or user.</summary>
    public KubernetesClientConfiguration Configuration(string? context = null, string? token = null)
    {
        var config = KubernetesClientConfiguration.FromKubeConfigFile(KubeconfigPath, context);
        return token is null ? config : config with { TokenProvider = new StaticTokenProvider(token) };
    }

    public KubernetesClient NewClient(string? context = null, string? token = null, KubernetesClientOptions? options = null, TimeProvider? time = null) =>
        new(Configuration(context, token), options ?? new KubernetesClientOptions { Qps = 0 }, time);

    /// <summary>A user name unique to one test, with a token KubeSim accepts: the server's counters can then be read per test.</summary>
    public (string User, string Token) NewUser(string prefix)
    {
        var user = $"{prefix}-{Interlocked.Increment(ref counter)}";
        return (user, Server.Tokens.IssueToken(user));
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref counter)}";
        await Client.Resource(KnownResources.Namespaces, Kubernetes.Client.KubernetesJsonContext.Default.Namespace)
            .CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    public static ConfigMap ConfigMap(string name, string ns, Dictionary<string, string>? data = null, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
        Data = data ?? new Dictionary<string, string> { ["k"] = "v" },
    };

    public static JsonObject ConfigMapJson(string name, JsonObject data) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = data,
    };

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class KubeSimCollection : ICollectionFixture<KubeSimFixture>
{
    public const string Name = "KubeSim";
}
