using System.Text.Json.Nodes;
using MultigresOrleans.Etcd;
using MultigresOrleans.KubeSim;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Webhooks.Tests;

namespace MultigresOrleans.Silo.Tests;

[CollectionDefinition(Name)]
public sealed class OperatorCollection : ICollectionFixture<OperatorFixture>
{
    public const string Name = "Operator";
}

/// <summary>
/// KubeSim in this process (on the system clock, so its simulated kubelet makes pods Ready), a real
/// etcd and Azurite from scripts/, the CRDs and sample nodes installed with the real kubectl, and two
/// operator silos as separate processes sharing one grain cluster. The silos authenticate as the
/// operator's service account, and KubeSim enforces RBAC with the install's own rules
/// (deploy/operator), so every operator test also proves the manifests grant what the operator does;
/// <see cref="RbacCoverageTests"/> checks that no request was refused. Tests isolate themselves by
/// namespace. Everything is stopped by PID on dispose.
/// </summary>
public sealed class OperatorFixture : IAsyncLifetime
{
    public const string OperatorNamespace = "multigres-operator";
    public const string OperatorServiceAccount = "multigres-operator-controller-manager";

    /// <summary>The silos' dead-pooler grace period (60 s by default; shortened so the test of it stays short).</summary>
    public const int DeadPoolerGraceSeconds = 5;
    public const string OperatorUser = $"system:serviceaccount:{OperatorNamespace}:{OperatorServiceAccount}";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "operator-e2e-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<OperatorProcess> _silos = [];
    private ScriptedServer? _etcd;
    private ScriptedServer? _azurite;
    private int _namespaces;

    public KubeSimServer Sim { get; private set; } = null!;
    public KubernetesClient Client { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;
    public EtcdClient Etcd { get; private set; } = null!;
    public string EtcdUrl => _etcd!.Fields[0];
    public string KubeconfigPath => Path.Combine(_directory, "kubeconfig");
    public string KeyFile => Path.Combine(_directory, "grain-cluster.key");

    /// <summary>The silos' kubeconfig: the operator's service account token, as a pod would have it.</summary>
    public string OperatorKubeconfigPath => Path.Combine(_directory, "operator-kubeconfig");
    internal IReadOnlyList<OperatorProcess> Silos => _silos;

    public string BlobConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{_azurite!.Fields[0]}/devstoreaccount1;";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _etcd = ScriptedServer.Start("etcd.sh", fieldCount: 3);
        _azurite = ScriptedServer.Start("azurite.sh", fieldCount: 2);
        Etcd = new EtcdClient(new EtcdClientOptions { Endpoints = [EtcdUrl] });
        // The simulated data plane registers pool pods' poolers in the real etcd, elects primaries and answers the
        // multipooler and multiadmin calls, so shards get roles, backups, reloads and switchovers end to end.
        Sim = await KubeSimServer.StartAsync(new KubeSimOptions { Https = true, KubeconfigOut = KubeconfigPath, DataPlaneEtcd = EtcdUrl, EnforceRbac = true }, TimeProvider.System);
        Client = new KubernetesClient(KubernetesClientConfiguration.FromKubeConfigFile(KubeconfigPath));
        Kubectl = new Kubectl(KubeconfigPath, Path.Combine(_directory, "kube-cache"));
        foreach (var crd in Directory.GetFiles(RepositoryPaths.Crds, "multigres.com_*.yaml").Order(StringComparer.Ordinal))
            Ok(await Kubectl.RunAsync("apply", "--server-side", "-f", crd));
        Ok(await Kubectl.RunAsync("apply", "-f", Path.Combine(RepositoryPaths.Root, "deploy", "sandbox", "nodes.yaml")));
        await Client.Dynamic(KnownResources.Namespaces).CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = OperatorNamespace },
        });
        await Eventually.UntilAsync(() => Kubectl.RunAsync("get", "multigresclusters", "-A"), r => r.ExitCode == 0, "the MultigresCluster CRD to be served");
        await InstallOperatorIdentityAsync();
        await File.WriteAllBytesAsync(KeyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        foreach (var name in new[] { "silo-0", "silo-1" })
            _silos.Add(OperatorProcess.Start(name, OperatorKubeconfigPath, KeyFile, EtcdUrl, BlobConnectionString, Sim.DataPlaneGrpcPort));
        foreach (var silo in _silos)
            await silo.WaitReadyAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// The service account and the RBAC objects of deploy/operator exactly as kustomize renders them (the
    /// Deployment and the rest stay out: the silos run as processes here), applied with the real kubectl.
    /// </summary>
    private async Task InstallOperatorIdentityAsync()
    {
        await Kubectl.ApplyIdentityAsync("operator");
        await File.WriteAllTextAsync(OperatorKubeconfigPath, Sim.ServiceAccountKubeconfig(OperatorNamespace, OperatorServiceAccount));
    }

    /// <summary>A fresh namespace for one test.</summary>
    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Client.Dynamic(KnownResources.Namespaces).CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name },
        });
        return name;
    }

    /// <summary>Start one more silo (a replacement after a kill).</summary>
    internal async Task<OperatorProcess> StartSiloAsync(string name)
    {
        var silo = OperatorProcess.Start(name, OperatorKubeconfigPath, KeyFile, EtcdUrl, BlobConnectionString, Sim.DataPlaneGrpcPort);
        _silos.Add(silo);
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(120));
        return silo;
    }

    public string SiloLogs => string.Join("\n---\n", _silos.Select(s => $"{s.Name}:\n{s.LogTail}"));

    public static void Ok(KubectlResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
            silo.Dispose();
        Client?.Dispose();
        Etcd?.Dispose();
        if (Sim is not null)
            await Sim.DisposeAsync();
        _etcd?.Dispose();
        _azurite?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
