using System.Net;
using System.Security.Cryptography.X509Certificates;
using MultigresOrleans.Grains.Certificates;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

[Collection(WebhookCollection.Name)]
public sealed class CertificateReloadTests(WebhookFixture fixture)
{
    [Fact]
    public async Task A_new_certificate_in_the_directory_is_served_to_new_connections_without_dropping_open_ones()
    {
        string? firstSeen = null;
        using var open = fixture.NewClient(c => firstSeen ??= c.Thumbprint);
        var ns = fixture.NewNamespace("reload");
        Assert.Equal(HttpStatusCode.OK, (await fixture.PostAsync(WebhookEndpoints.MutatePath, Review("CREATE", MinimalCluster(ns)), open)).Status);
        Assert.NotNull(firstSeen);

        var next = new CertificateFactory(TimeProvider.System).CreateServing(fixture.Authority,
            new ServingCertificateRequest("multigres-operator-webhook-service", "multigres-operator"));
        using var expected = X509Certificate2.CreateFromPem(next.CertificatePem);
        fixture.WritePair(next);

        await Eventually.WaitUntil(() => fixture.Certificate.Current?.Thumbprint == expected.Thumbprint,
            $"the reloader to serve {expected.Thumbprint}", () => fixture.Certificate.Current?.Thumbprint ?? "none");

        string? seen = null;
        using var fresh = fixture.NewClient(c => seen = c.Thumbprint);
        Assert.Equal(HttpStatusCode.OK, (await fixture.PostAsync(WebhookEndpoints.MutatePath, Review("CREATE", MinimalCluster(ns)), fresh)).Status);
        Assert.Equal(expected.Thumbprint, seen);

        // The HTTP/2 connection opened before the rotation still carries requests.
        Assert.Equal(HttpStatusCode.OK, (await fixture.PostAsync(WebhookEndpoints.MutatePath, Review("CREATE", MinimalCluster(ns)), open)).Status);
    }

    [Fact]
    public void A_half_written_pair_keeps_the_previous_certificate()
    {
        var directory = Path.Combine(Path.GetTempPath(), "webhooks-reload-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            var factory = new CertificateFactory(TimeProvider.System);
            var ca = factory.CreateAuthority();
            var first = factory.CreateServing(ca, new ServingCertificateRequest("svc", "ns"));
            File.WriteAllText(Path.Combine(directory, "tls.crt"), first.CertificatePem);
            File.WriteAllText(Path.Combine(directory, "tls.key"), first.PrivateKeyPem);
            using var reloader = new ReloadingCertificate(directory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, watch: false);
            var thumbprint = reloader.Current!.Thumbprint;

            var second = factory.CreateServing(ca, new ServingCertificateRequest("svc", "ns"));
            File.WriteAllText(Path.Combine(directory, "tls.key"), second.PrivateKeyPem);
            Assert.False(reloader.Reload());
            Assert.Equal(thumbprint, reloader.Current!.Thumbprint);

            File.WriteAllText(Path.Combine(directory, "tls.crt"), second.CertificatePem);
            Assert.True(reloader.Reload());
            Assert.NotEqual(thumbprint, reloader.Current!.Thumbprint);
            Assert.Equal(2, reloader.Generation);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
