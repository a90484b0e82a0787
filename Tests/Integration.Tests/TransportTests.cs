using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Integration.Tests;

/// <summary>The same client over both contexts of KubeSim's kubeconfig, and a wrong CA refused.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class TransportTests(KubeSimFixture fx)
{
    [Theory]
    [InlineData(KubeSimFixture.HttpContext, "http")]
    [InlineData(KubeSimFixture.HttpsContext, "https")]
    public async Task The_client_talks_to_KubeSim_over_each_kubeconfig_context(string context, string scheme)
    {
        var ns = await fx.NewNamespaceAsync(scheme);
        var config = fx.Configuration(context);
        Assert.Equal(scheme, config.Server.Scheme);
        if (scheme == "https")
            Assert.NotNull(config.CertificateAuthorities);
        using var client = new KubernetesClient(config);
        var configMaps = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        await configMaps.CreateAsync(KubeSimFixture.ConfigMap("over-" + scheme, ns));
        Assert.Equal("over-" + scheme, (await configMaps.GetAsync("over-" + scheme, ns)).Metadata.Name);
        Assert.Equal(1, client.Metrics.Count("create", "configmaps", 201));
    }

    [Fact]
    public async Task Https_with_a_CA_that_did_not_sign_the_server_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=not-the-kubesim-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var wrongCa = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var config = fx.Configuration(KubeSimFixture.HttpsContext) with { CertificateAuthorities = [wrongCa] };

        using var client = new KubernetesClient(config, new KubernetesClientOptions { Qps = 0, MaxRetries = 0 });
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.Resource(KnownResources.Namespaces, KubernetesJsonContext.Default.Namespace).GetAsync("default"));
        Assert.IsType<AuthenticationException>(e.InnerException);
    }
}
