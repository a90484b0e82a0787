using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>
/// A KubeSim of its own with RBAC enforced (the shared one runs without it), an admin kubectl,
/// and kubectls that authenticate as service accounts. Controllers are off: these tests only
/// need the API.
/// </summary>
public sealed class RbacKubeSimFixture : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "kubesim-rbac-" + Guid.NewGuid().ToString("N")[..8]);
    private int counter;

    public KubeSimServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public Kubectl Admin { get; private set; } = null!;

    private string CacheDirectory => Path.Combine(directory, "kube-cache");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        Server = await KubeSimServer.StartAsync(new KubeSimOptions
        {
            Https = true,
            KubeconfigOut = kubeconfig,
            SimulateControllers = false,
            EnforceRbac = true,
        }, new FakeTimeProvider(KubeSimFixture.Start));
        Http = new HttpClient { BaseAddress = Server.HttpUrl, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Server.AdminToken);
        Admin = new Kubectl(kubeconfig, CacheDirectory);
    }

    /// <summary>A unique name for a namespace or account of one test.</summary>
    public string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref counter)}";

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = Unique(prefix);
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } };
        (await Http.PostJsonAsync("/api/v1/namespaces", body)).Expect(System.Net.HttpStatusCode.Created);
        return name;
    }

    /// <summary>A kubectl authenticating as service account <paramref name="ns"/>/<paramref name="name"/>, as a pod with that account would.</summary>
    public async Task<Kubectl> KubectlForServiceAccountAsync(string ns, string name)
    {
        var path = Path.Combine(directory, $"sa-{ns}-{name}.kubeconfig");
        await File.WriteAllTextAsync(path, Server.ServiceAccountKubeconfig(ns, name));
        return new Kubectl(path, CacheDirectory);
    }

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
