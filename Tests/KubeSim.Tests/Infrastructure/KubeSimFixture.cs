using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Tests.Infrastructure;

/// <summary>
/// One KubeSim for the whole test assembly (HTTP and HTTPS on port 0, a kubeconfig in a temp
/// directory, a manual clock). Tests isolate themselves by namespace and by CRD group.
/// </summary>
public sealed class KubeSimFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string directory = Path.Combine(Path.GetTempPath(), "kubesim-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private int namespaceCounter;

    public FakeTimeProvider Time { get; } = new(Start);
    public KubeSimServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string KubeconfigPath => Path.Combine(directory, "kubeconfig");
    public string CacheDirectory => Path.Combine(directory, "kube-cache");
    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        var options = new KubeSimOptions
        {
            Https = true,
            KubeconfigOut = KubeconfigPath,
            PodStartupDelay = TimeSpan.FromSeconds(5),
            BookmarkInterval = TimeSpan.FromSeconds(60),
            AuditLogPath = Path.Combine(directory, "audit.log"),
        };
        Server = await KubeSimServer.StartAsync(options, Time);
        Http = ClientFor(Server.AdminToken);
        Kubectl = new Kubectl(KubeconfigPath, CacheDirectory);
    }

    public HttpClient ClientFor(string token)
    {
        var client = new HttpClient { BaseAddress = Server.HttpUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A fresh namespace for one test.</summary>
    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref namespaceCounter)}";
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } };
        using var response = await Http.PostAsync("/api/v1/namespaces", Json(body));
        response.EnsureSuccessStatusCode();
        return name;
    }

    public static StringContent Json(JsonNode body, string contentType = "application/json") =>
        new(body.ToJsonString(), Encoding.UTF8, contentType);

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class KubeSimCollection : ICollectionFixture<KubeSimFixture>
{
    public const string Name = "KubeSim";
}
