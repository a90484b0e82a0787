using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.KubeSim;
using MultigresOrleans.KubeSim.Patching;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Yaml;
using MultigresOrleans.Webhooks;

namespace MultigresOrleans.Bench;

/// <summary>
/// Admission latency of a MultigresCluster CREATE (deploy/samples/minimal.yaml), one request at a
/// time after a warm-up: (a) directly, the mutating then the validating webhook posted by an HTTP/2
/// client to the server; (b) through KubeSim, a create request to its API, which calls both webhooks
/// (HTTPS, caBundle verified) around its own decode, schema and storage work; (c) the same create
/// with the webhook configurations removed, to show what KubeSim costs by itself.
/// </summary>
internal static class AdmissionBench
{
    public static async Task<int> RunAsync(string root, int iterations, int warmup)
    {
        var samplePath = Path.Combine(root, "deploy", "samples", "minimal.yaml");
        if (!File.Exists(samplePath))
        {
            Console.Error.WriteLine($"{samplePath} not found; run from the repository root or pass it as the first argument");
            return 2;
        }

        const string OperatorNamespace = "multigres-operator";
        const string ServiceName = "multigres-operator-webhook-service";
        const string BenchNamespace = "bench";
        var clusters = new ApiResource("multigres.com", "v1alpha1", "multigresclusters", true, "MultigresCluster");
        var work = Path.Combine(Path.GetTempPath(), "multigres-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var quiet = (Action<ILoggingBuilder>)(b => b.ClearProviders());

        await using var sim = await KubeSimServer.StartAsync(new KubeSimOptions { Https = true, KubeconfigOut = Path.Combine(work, "kubeconfig") }, TimeProvider.System, quiet);
        using var client = new KubernetesClient(KubernetesClientConfiguration.FromKubeConfigFile(Path.Combine(work, "kubeconfig")), KubernetesAdmissionDataSource.ClientOptions);
        try
        {
            foreach (var ns in new[] { OperatorNamespace, BenchNamespace })
                await client.Dynamic(KnownResources.Namespaces).CreateAsync(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
            foreach (var crd in Directory.GetFiles(Path.Combine(root, "deploy", "crds"), "multigres.com_*.yaml"))
                await client.Dynamic(KnownResources.CustomResourceDefinitions).CreateAsync(YamlJson.Parse(File.ReadAllText(crd))!.AsObject());
            await WaitServedAsync(client, clusters, BenchNamespace);
            await client.Dynamic(KnownResources.MutatingWebhookConfigurations).CreateAsync(WebhookConfigurations.Mutating(OperatorNamespace, ServiceName));
            await client.Dynamic(KnownResources.ValidatingWebhookConfigurations).CreateAsync(WebhookConfigurations.ValidatingConfiguration(OperatorNamespace, ServiceName));

            var certDirectory = Path.Combine(work, "certs");
            var bootstrap = new CertificateBootstrap(client, new CertificateBootstrapOptions { Namespace = OperatorNamespace, CertDirectory = certDirectory },
                TimeProvider.System, NullLogger<CertificateBootstrap>.Instance);
            var (authority, _) = await bootstrap.EnsureAsync(writeCertDirectory: true);
            using var certificate = new ReloadingCertificate(certDirectory, NullLogger.Instance, watch: false);
            await using var webhook = WebhookServer.Build(new WebhookOptions { Port = 0 }, new KubernetesAdmissionDataSource(client), certificate, IPAddress.Loopback, quiet);
            await webhook.StartAsync();
            var address = webhook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            sim.Options.WebhookServices[$"{OperatorNamespace}/{ServiceName}"] = address;

            var cluster = YamlJson.ParseDocuments(File.ReadAllText(samplePath)).OfType<JsonObject>().Single(d => d["kind"]?.GetValue<string>() == "MultigresCluster");
            cluster["metadata"]!["namespace"] = BenchNamespace;

            // (a) Directly, as the API server would call it: mutate, then validate the mutated object.
            using var http = DirectClient(new Uri(address), authority.CertificatePem);
            var mutateBody = Encoding.UTF8.GetBytes(Review(cluster).ToJsonString());
            var patch = JsonNode.Parse(Convert.FromBase64String((await PostAsync(http, WebhookEndpoints.MutatePath, mutateBody))["response"]!["patch"]!.GetValue<string>()));
            var validateBody = Encoding.UTF8.GetBytes(Review(JsonPatch.Apply(cluster.DeepClone(), patch)!.AsObject()).ToJsonString());
            var direct = await Measurement.MeasureAsync(warmup, iterations, async _ =>
            {
                await PostAsync(http, WebhookEndpoints.MutatePath, mutateBody);
                var verdict = await PostAsync(http, "/validate-multigres-com-v1alpha1-multigrescluster", validateBody);
                if (verdict["response"]?["allowed"]?.GetValue<bool>() != true)
                    throw new InvalidOperationException("the validating webhook denied the benchmark cluster: " + verdict.ToJsonString());
            });

            // (b) Through KubeSim: a create that runs both webhooks; every request creates a new cluster.
            var throughKubeSim = await Measurement.MeasureAsync(warmup, iterations, i => CreateAsync(client, clusters, cluster, $"bench-webhooks-{i}"));

            // (c) KubeSim alone: the same creates with no webhook configuration left.
            await client.Dynamic(KnownResources.MutatingWebhookConfigurations).DeleteAsync("multigres-operator-mutating-webhook-configuration");
            await client.Dynamic(KnownResources.ValidatingWebhookConfigurations).DeleteAsync("multigres-operator-validating-webhook-configuration");
            var kubeSimAlone = await Measurement.MeasureAsync(warmup, iterations, i => CreateAsync(client, clusters, cluster, $"bench-plain-{i}"));

            Console.WriteLine($"MultigresCluster CREATE admission latency, {iterations} sequential requests after {warmup} warm-up, {Environment.ProcessorCount} cores:");
            Console.WriteLine(Measurement.Line("(a) direct: mutate + validate", direct));
            Console.WriteLine(Measurement.Line("(b) through KubeSim (both webhooks)", throughKubeSim));
            Console.WriteLine(Measurement.Line("(c) KubeSim alone (no webhooks)", kubeSimAlone));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio (b)/(a): p50 {throughKubeSim.P50 / direct.P50:F2}x, p99 {throughKubeSim.P99 / direct.P99:F2}x; admission share of (b) at p50: {throughKubeSim.P50 - kubeSimAlone.P50:F2} ms"));
            await webhook.StopAsync();
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }

    }

    private static JsonObject Review(JsonObject cluster) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = Guid.NewGuid().ToString(),
            ["kind"] = new JsonObject { ["group"] = "multigres.com", ["version"] = "v1alpha1", ["kind"] = "MultigresCluster" },
            ["resource"] = new JsonObject { ["group"] = "multigres.com", ["version"] = "v1alpha1", ["resource"] = "multigresclusters" },
            ["operation"] = "CREATE",
            ["namespace"] = cluster["metadata"]!["namespace"]!.DeepClone(),
            ["name"] = cluster["metadata"]!["name"]!.DeepClone(),
            ["userInfo"] = new JsonObject { ["username"] = "kubernetes-admin" },
            ["object"] = cluster.DeepClone(),
        },
    };

    // A new CRD is served once established; bounded, like every wait here.
    private static async Task WaitServedAsync(KubernetesClient client, ApiResource clusters, string ns)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await client.Dynamic(clusters).ListAsync(ns);
                return;
            }
            catch (KubernetesApiException) when (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }
        }
    }

    private static async Task CreateAsync(KubernetesClient client, ApiResource clusters, JsonObject cluster, string name)
    {
        var copy = cluster.DeepClone().AsObject();
        copy["metadata"]!["name"] = name;
        await client.Dynamic(clusters).CreateAsync(copy);
    }

    private static async Task<JsonNode> PostAsync(HttpClient http, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(path, content);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static HttpClient DirectClient(Uri baseAddress, string caPem)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Trust only the webhook's CA, as the API server does with the caBundle.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is not X509Certificate2 leaf)
                        return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri(baseAddress.ToString().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }
}
