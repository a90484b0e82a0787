using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.KubeSim;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// KubeSim (HTTPS, kubeconfig for the real kubectl) with the webhook configurations registered,
/// the PKI bootstrapped by <see cref="CertificateBootstrap"/> (Secrets in KubeSim, caBundle patched
/// in by SSA), the webhook server started from the written certificate and backed by the
/// Kubernetes data source, and the Multigres CRDs applied with kubectl. Everything the webhook
/// does (bootstrap, Secret sync, admission reads) runs as its service account with KubeSim
/// enforcing deploy/webhooks' own RBAC, so these tests also prove the install grants enough
/// (<see cref="WebhookRbacCoverageTests"/>).
/// </summary>
public class EndToEndFixture : IAsyncLifetime
{
    public const string OperatorNamespace = "multigres-operator";
    public const string ServiceName = "multigres-operator-webhook-service";
    public const string WebhookServiceAccount = "multigres-operator-webhook";
    public const string WebhookUser = $"system:serviceaccount:{OperatorNamespace}:{WebhookServiceAccount}";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "webhooks-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public KubeSimServer Sim { get; private set; } = null!;
    /// <summary>An administrator's client, for what the tests set up.</summary>
    public KubernetesClient Client { get; private set; } = null!;

    /// <summary>The webhook's own client: its service account's token, as its pod would have it.</summary>
    public KubernetesClient WebhookClient { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;
    public CertificateBootstrap Bootstrap { get; private set; } = null!;
    public PemKeyPair Authority { get; private set; } = null!;
    public ReloadingCertificate Certificate { get; private set; } = null!;
    public WebApplication Webhook { get; private set; } = null!;

    /// <summary>The webhook's Secret-to-directory sync, as Program runs it for a writable directory; it polls only when <see cref="SyncTime"/> moves.</summary>
    public ServingSecretSync SecretSync { get; private set; } = null!;
    public FakeTimeProvider SyncTime { get; } = new(DateTimeOffset.UtcNow);
    public string CertDirectory => Path.Combine(_directory, "certs");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var kubeconfig = Path.Combine(_directory, "kubeconfig");
        Sim = await KubeSimServer.StartAsync(new KubeSimOptions { Https = true, KubeconfigOut = kubeconfig, EnforceRbac = true }, TimeProvider.System);
        Client = new KubernetesClient(KubernetesClientConfiguration.FromKubeConfigFile(kubeconfig), KubernetesAdmissionDataSource.ClientOptions);
        Kubectl = new Kubectl(kubeconfig, Path.Combine(_directory, "kube-cache"));

        await Client.Dynamic(KnownResources.Namespaces).CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = OperatorNamespace },
        });
        // The webhook's service account and RBAC exactly as deploy/webhooks renders them.
        await Kubectl.ApplyIdentityAsync("webhooks");
        var webhookKubeconfig = Path.Combine(_directory, "webhook-kubeconfig");
        await File.WriteAllTextAsync(webhookKubeconfig, Sim.ServiceAccountKubeconfig(OperatorNamespace, WebhookServiceAccount));
        WebhookClient = new KubernetesClient(KubernetesClientConfiguration.FromKubeConfigFile(webhookKubeconfig), KubernetesAdmissionDataSource.ClientOptions);
        // KubeSim ships a default StorageClass "standard", which the StorageClass check needs.
        await SeedAsync();
        await Client.Dynamic(KnownResources.MutatingWebhookConfigurations).CreateAsync(WebhookConfigurations.Mutating(OperatorNamespace, ServiceName));
        await Client.Dynamic(KnownResources.ValidatingWebhookConfigurations).CreateAsync(WebhookConfigurations.ValidatingConfiguration(OperatorNamespace, ServiceName));

        Bootstrap = new CertificateBootstrap(WebhookClient, new CertificateBootstrapOptions { Namespace = OperatorNamespace, CertDirectory = CertDirectory },
            TimeProvider.System, NullLogger<CertificateBootstrap>.Instance);
        (Authority, _) = await Bootstrap.EnsureAsync(writeCertDirectory: true);

        Certificate = new ReloadingCertificate(CertDirectory, NullLogger.Instance);
        SecretSync = new ServingSecretSync(WebhookClient, new WebhookPkiOptions { Namespace = OperatorNamespace }, CertDirectory, SyncTime,
            NullLogger.Instance, written: () => Certificate.Reload());
        SecretSync.Start();
        Webhook = WebhookServer.Build(new WebhookOptions { Port = 0 }, new KubernetesAdmissionDataSource(WebhookClient), Certificate, IPAddress.Loopback, logging: b => b.ClearProviders());
        await Webhook.StartAsync();
        var address = Webhook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Sim.Options.WebhookServices[$"{OperatorNamespace}/{ServiceName}"] = address;

        foreach (var crd in Directory.GetFiles(RepositoryPaths.Crds, "multigres.com_*.yaml").Order(StringComparer.Ordinal))
        {
            var applied = await Kubectl.RunAsync("apply", "--server-side", "-f", crd);
            Assert.True(applied.ExitCode == 0, applied.ToString());
        }
        await Eventually.UntilAsync(() => Kubectl.RunAsync("get", "multigresclusters", "-A"), r => r.ExitCode == 0, "the MultigresCluster CRD to be served");
    }

    /// <summary>Extra objects a derived fixture needs before the webhook is registered (nodes, StorageClasses).</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (SecretSync is not null)
            await SecretSync.DisposeAsync();
        if (Webhook is not null)
        {
            await Webhook.StopAsync();
            await Webhook.DisposeAsync();
        }
        Certificate?.Dispose();
        WebhookClient?.Dispose();
        Client?.Dispose();
        if (Sim is not null)
            await Sim.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
