using System.Security.Cryptography;
using System.Text.Json;
using MultigresOrleans.ConformanceSilo;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Runtime.Membership.Kubernetes;
using MultigresOrleans.Runtime.Transport;

namespace MultigresOrleans.Runtime.Tests.Conformance;

/// <summary>The servers the conformance suite's silo processes share: one KubeSim (HTTPS, kubeconfig on disk) and one Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class ConformanceCollection : ICollectionFixture<KubeSimFixture>, ICollectionFixture<AzuriteFixture>
{
    public const string Name = "conformance";
}

/// <summary>
/// Silos as separate processes of one grain cluster in a namespace of its own, with a client in
/// this process (client mode: Lease/map watch, HTTP/2 calls, no grains hosted). Real time: these
/// tests measure what a user would see, waiting on conditions with deadlines.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private readonly KubeSimFixture kube;
    private readonly AzuriteFixture azurite;
    private readonly string directory = Path.Combine(Path.GetTempPath(), "conformance-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<SiloProcess> silos = [];
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private KubernetesClient? clientApi;
    private KubernetesMembership? clientMembership;

    private readonly Xunit.Abstractions.ITestOutputHelper output;

    private ProcessCluster(KubeSimFixture kube, AzuriteFixture azurite, string ns, Xunit.Abstractions.ITestOutputHelper output)
    {
        this.output = output;
        this.kube = kube;
        this.azurite = azurite;
        Namespace = ns;
        Container = AzuriteFixture.NewContainer("conf");
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(KeyFile, key);
    }

    public string Namespace { get; }

    public string Container { get; }

    public ClusterClient Client { get; private set; } = null!;

    public KubernetesMembership ClientMembership => clientMembership!;

    public IReadOnlyList<SiloProcess> Silos => silos;

    private string KeyFile => Path.Combine(directory, "hmac.key");

    public static JsonSerializerOptions Json { get; } = CreateJson();

    public static async Task<ProcessCluster> CreateAsync(KubeSimFixture kube, AzuriteFixture azurite, Xunit.Abstractions.ITestOutputHelper output)
    {
        var cluster = new ProcessCluster(kube, azurite, await kube.NewNamespaceAsync("conformance"), output);
        await cluster.StartClientAsync();
        return cluster;
    }

    /// <summary>Starts silos in parallel and waits until each printed READY.</summary>
    public async Task<SiloProcess[]> StartSilosAsync(params string[] names)
    {
        var started = names.Select(name => SiloProcess.Start(name, new Dictionary<string, string>
        {
            ["kubeconfig"] = kube.KubeconfigPath,
            ["namespace"] = Namespace,
            ["blob"] = azurite.ConnectionString,
            ["container"] = Container,
            ["key-file"] = KeyFile,
        })).ToArray();
        silos.AddRange(started);
        await Task.WhenAll(started.Select(s => s.WaitReadyAsync()));
        return started;
    }

    public SiloProcess Silo(string name) => silos.Last(s => s.Name == name);

    /// <summary>A client with another key: its calls must be refused.</summary>
    public ClusterClient ClientWithKey(byte[] otherKey) => new ClusterClientBuilder()
        .AddGrainInterface<IActivationProbeGrain>()
        .UseMembership(ClientMembership)
        .Configure(o =>
        {
            o.SharedKey = otherKey;
            o.SerializerOptions = Json;
            o.CallTimeout = TimeSpan.FromSeconds(10);
        })
        .Build();

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in silos)
        {
            silo.Dispose();
            output.WriteLine($"--- silo {silo.Name} ({silo.Identity}) log tail:\n{silo.LogTail}");
        }

        if (Client is not null)
            await Client.DisposeAsync();
        if (clientMembership is not null)
            await clientMembership.DisposeAsync();
        clientApi?.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private async Task StartClientAsync()
    {
        clientApi = kube.NewClient(options: new KubernetesClientOptions { Qps = 0, MaxRetries = 0 }, time: TimeProvider.System);
        clientMembership = KubernetesMembership.ForClient(clientApi, new KubernetesMembershipOptions { Namespace = Namespace }, "test-client", Placement.PartitionHash.DefaultPartitionCount,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await clientMembership.StartAsync();
        Client = new ClusterClientBuilder()
            .AddGrainInterface<IActivationProbeGrain>()
            .UseMembership(clientMembership)
            .Configure(o =>
            {
                o.SharedKey = key;
                o.SerializerOptions = Json;
            })
            .Build();
    }

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        json.TypeInfoResolverChain.Add(ConformanceJsonContext.Default);
        return json;
    }
}
