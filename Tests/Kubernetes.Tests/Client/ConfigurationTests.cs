using System.Collections.Concurrent;
using System.Text;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Tests.Support;

namespace MultigresOrleans.Kubernetes.Tests.Client;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kubecfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task Kubeconfig_resolves_the_current_context_and_relative_files()
    {
        using var certs = new TestCertificates();
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), certs.CaPem);
        File.WriteAllText(Path.Combine(_dir, "token"), "file-token\n");
        var yaml = """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: dev-cluster
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority: ca.pem
                tls-server-name: kubernetes
            - name: prod-cluster
              cluster:
                server: https://prod:6443
                insecure-skip-tls-verify: true
            users:
            - name: dev-user
              user:
                tokenFile: token
            - name: prod-user
              user:
                token: abc
            contexts:
            - name: dev
              context: {cluster: dev-cluster, user: dev-user, namespace: team}
            - name: prod
              context: {cluster: prod-cluster, user: prod-user}
            preferences: {}
            """;
        File.WriteAllText(Path.Combine(_dir, "config"), yaml);
        var dev = KubernetesClientConfiguration.FromKubeConfigFile(Path.Combine(_dir, "config"));
        Assert.Equal(new Uri("https://10.0.0.1:6443"), dev.Server);
        Assert.Equal("team", dev.Namespace);
        Assert.Equal("kubernetes", dev.TlsServerName);
        Assert.Equal(certs.Ca.Thumbprint, Assert.Single(dev.CertificateAuthorities!).Thumbprint);
        Assert.Equal("file-token", await dev.TokenProvider!.GetTokenAsync(default));

        var prod = KubernetesClientConfiguration.FromKubeConfigFile(Path.Combine(_dir, "config"), "prod");
        Assert.True(prod.InsecureSkipTlsVerify);
        Assert.Null(prod.Namespace);
        Assert.Equal("abc", await prod.TokenProvider!.GetTokenAsync(default));
    }

    [Fact]
    public void Kubeconfig_errors_are_explicit()
    {
        const string baseYaml = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://x"}}]
            users: [{name: u, user: {exec: {command: aws}}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """;
        Assert.Throws<NotSupportedException>(() => KubernetesClientConfiguration.FromKubeConfigYaml(baseYaml));
        var missing = Assert.Throws<FormatException>(() => KubernetesClientConfiguration.FromKubeConfigYaml(baseYaml, "nope"));
        Assert.Contains("no context 'nope'", missing.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => KubernetesClientConfiguration.FromKubeConfigYaml("""
            current-context: c
            clusters: [{name: k, cluster: {server: "https://x"}}]
            users: [{name: u, user: {client-certificate-data: "QUJD"}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """));
    }

    [Fact]
    public async Task In_cluster_reads_the_service_account_and_rereads_a_rotated_token()
    {
        using var certs = new TestCertificates();
        File.WriteAllText(Path.Combine(_dir, "ca.crt"), certs.CaPem);
        File.WriteAllText(Path.Combine(_dir, "namespace"), "operators");
        var tokenPath = Path.Combine(_dir, "token");
        File.WriteAllText(tokenPath, "one");
        var env = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "fd00::1", ["KUBERNETES_SERVICE_PORT"] = "443" };
        var time = new FakeTimeProvider();
        var config = KubernetesClientConfiguration.InCluster(_dir, k => env.GetValueOrDefault(k), time);
        Assert.Equal(new Uri("https://[fd00::1]:443"), config.Server);
        Assert.Equal("operators", config.Namespace);
        Assert.Single(config.CertificateAuthorities!);
        Assert.Equal("one", await config.TokenProvider!.GetTokenAsync(default));

        // The kubelet rewrote the file: the new write time is noticed on the next request.
        File.WriteAllText(tokenPath, "two");
        File.SetLastWriteTimeUtc(tokenPath, DateTime.UtcNow.AddMinutes(5));
        Assert.Equal("two", await config.TokenProvider.GetTokenAsync(default));

        // Same write time (a symlink swap can hide it): picked up once the token is a minute old.
        var stamp = File.GetLastWriteTimeUtc(tokenPath);
        File.WriteAllText(tokenPath, "three");
        File.SetLastWriteTimeUtc(tokenPath, stamp);
        Assert.Equal("two", await config.TokenProvider.GetTokenAsync(default));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("three", await config.TokenProvider.GetTokenAsync(default));
    }

    [Fact]
    public async Task Https_with_the_kubeconfig_CA_and_client_certificate_negotiates_http2()
    {
        using var certs = new TestCertificates();
        var seenClientCerts = new ConcurrentQueue<string>();
        await using var server = await FakeApiServer.StartAsync(certs.Server, o =>
        {
            o.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
            o.AllowAnyClientCertificate();
        });
        server.Intercept = ctx =>
        {
            seenClientCerts.Enqueue(ctx.Connection.ClientCertificate?.Subject ?? "(none)");
            return Task.FromResult(false);
        };
        var yaml = $"""
            current-context: c
            clusters: [{"{"}name: k, cluster: {"{"}server: "https://127.0.0.1:{server.Url.Port}", certificate-authority-data: "{B64(certs.CaPem)}"{"}"}{"}"}]
            users: [{"{"}name: u, user: {"{"}client-certificate-data: "{B64(certs.ClientCertPem)}", client-key-data: "{B64(certs.ClientKeyPem)}", token: tls-token{"}"}{"}"}]
            contexts: [{"{"}name: c, context: {"{"}cluster: k, user: u{"}"}{"}"}]
            """;
        using var client = new KubernetesClient(KubernetesClientConfiguration.FromKubeConfigYaml(yaml), new KubernetesClientOptions { Qps = 0 });
        var cms = client.Dynamic(KnownResources.ConfigMaps);
        await cms.CreateAsync(System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"tls","namespace":"n"}}""")!.AsObject());
        var got = await cms.GetAsync("tls", "n");
        Assert.Equal("tls", (string?)got["metadata"]!["name"]);
        Assert.All(server.Protocols, p => Assert.Equal("HTTP/2", p));
        Assert.Contains("CN=operator", seenClientCerts.First(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_rejects_a_server_the_CA_did_not_sign_unless_told_to_skip_verification()
    {
        using var certs = new TestCertificates();
        using var otherCa = new TestCertificates();
        await using var server = await FakeApiServer.StartAsync(certs.Server);
        var url = new Uri($"https://127.0.0.1:{server.Url.Port}");
        var wrongCa = new KubernetesClientConfiguration { Server = url, CertificateAuthorities = [otherCa.Ca] };
        using (var client = new KubernetesClient(wrongCa, new KubernetesClientOptions { Qps = 0, MaxRetries = 0 }))
        {
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.Dynamic(KnownResources.Namespaces).ListAsync());
            Assert.IsType<System.Security.Authentication.AuthenticationException>(e.InnerException);
        }
        using (var insecure = new KubernetesClient(new KubernetesClientConfiguration { Server = url, InsecureSkipTlsVerify = true }, new KubernetesClientOptions { Qps = 0 }))
        {
            Assert.Empty((await insecure.Dynamic(KnownResources.Namespaces).ListAsync()).Items);
        }
    }
}
