using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Certificates;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// One webhook server for the assembly: HTTPS on 127.0.0.1:0 with a CertificateFactory CA and
/// in-memory admission data. Tests isolate themselves by namespace.
/// </summary>
public sealed class WebhookFixture : IAsyncLifetime
{
    public const long MaxRequestBytes = 1024 * 1024;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "webhooks-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private int _namespaces;

    public InMemoryAdmissionDataSource Data { get; } = new();
    public WebhookOptions Options { get; } = new() { Port = 0, MaxRequestBytes = MaxRequestBytes };
    public PemKeyPair Authority { get; private set; } = null!;
    public ReloadingCertificate Certificate { get; private set; } = null!;
    public WebApplication App { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string CertDirectory => _directory;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var factory = new CertificateFactory(TimeProvider.System);
        Authority = factory.CreateAuthority();
        WritePair(factory.CreateServing(Authority, new ServingCertificateRequest("multigres-operator-webhook-service", "multigres-operator")));
        Certificate = new ReloadingCertificate(_directory, NullLogger.Instance);
        App = WebhookServer.Build(Options, Data, Certificate, IPAddress.Loopback, logging: b => b.ClearProviders());
        await App.StartAsync();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        Http = NewClient();
    }

    public void WritePair(PemKeyPair serving)
    {
        File.WriteAllText(Path.Combine(_directory, "tls.key"), serving.PrivateKeyPem);
        File.WriteAllText(Path.Combine(_directory, "tls.crt"), serving.CertificatePem);
    }

    /// <summary>An HTTP/2 client that trusts only the fixture's CA (the host name is a Service DNS name, not 127.0.0.1).</summary>
    public HttpClient NewClient(Action<X509Certificate2>? seen = null)
    {
        var ca = X509Certificate2.CreateFromPem(Authority.CertificatePem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                        return false;
                    var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    seen?.Invoke(leaf);
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
            BaseAddress = BaseUrl,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public string NewNamespace(string prefix) => $"{prefix}-{Interlocked.Increment(ref _namespaces)}";

    public async Task<(HttpStatusCode Status, JsonNode? Body, Version Version)> PostAsync(string path, byte[] body, HttpClient? client = null)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await (client ?? Http).PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try
        {
            json = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return (response.StatusCode, json, response.Version);
    }

    public Task<(HttpStatusCode Status, JsonNode? Body, Version Version)> PostAsync(string path, JsonNode review, HttpClient? client = null) =>
        PostAsync(path, Encoding.UTF8.GetBytes(review.ToJsonString()), client);

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        Certificate?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WebhookCollection : ICollectionFixture<WebhookFixture>
{
    public const string Name = "Webhook";
}

/// <summary>Builds AdmissionReview requests.</summary>
public static class Reviews
{
    public const string Admin = "kubernetes-admin";

    public static JsonObject Review(string operation, JsonObject? obj, JsonObject? old = null, string username = Admin, string? ns = null, string? name = null)
    {
        var request = new JsonObject
        {
            ["uid"] = Guid.NewGuid().ToString(),
            ["operation"] = operation,
            ["userInfo"] = new JsonObject { ["username"] = username },
        };
        ns ??= (obj ?? old)?["metadata"]?["namespace"]?.GetValue<string>();
        name ??= (obj ?? old)?["metadata"]?["name"]?.GetValue<string>();
        if (ns is not null)
            request["namespace"] = ns;
        if (name is not null)
            request["name"] = name;
        if (obj is not null)
            request["object"] = obj.DeepClone();
        if (old is not null)
            request["oldObject"] = old.DeepClone();
        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["request"] = request };
    }

    public static JsonObject Object(string kind, string ns, string name, JsonObject? spec = null) => new()
    {
        ["apiVersion"] = "multigres.com/v1alpha1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = spec ?? new JsonObject(),
    };

    /// <summary>The cluster of deploy/samples/minimal.yaml, moved to <paramref name="ns"/>.</summary>
    public static JsonObject MinimalCluster(string ns)
    {
        var yaml = File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "minimal.yaml"));
        var cluster = Kubernetes.Yaml.YamlJson.ParseDocuments(yaml).OfType<JsonObject>().Single(d => d["kind"]!.GetValue<string>() == "MultigresCluster");
        cluster["metadata"]!["namespace"] = ns;
        return cluster;
    }
}
