using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>The bootstrap's keep/replace decisions over time, against KubeSim's Secrets, driven by a fake clock.</summary>
public sealed class CertificateRotationTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    [Fact]
    public async Task The_CA_and_serving_pair_are_kept_while_valid_and_replaced_within_30_days_of_expiry()
    {
        const string ns = "rotation";
        await fixture.Client.Dynamic(KnownResources.Namespaces).CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns },
        });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // Configurations that do not exist: this test must not touch the CA bundle the other tests rely on.
        var options = new CertificateBootstrapOptions
        {
            Namespace = ns,
            MutatingConfiguration = "absent-mutating",
            ValidatingConfiguration = "absent-validating",
        };
        var bootstrap = new CertificateBootstrap(fixture.Client, options, time, NullLogger<CertificateBootstrap>.Instance);

        var (ca1, serving1) = await bootstrap.EnsureAsync();
        time.Advance(TimeSpan.FromDays(300));
        var (ca2, serving2) = await bootstrap.EnsureAsync();
        Assert.Equal(ca1.CertificatePem, ca2.CertificatePem);
        Assert.Equal(serving1.CertificatePem, serving2.CertificatePem);

        // 1-year leaf: 340 days in, inside the 30-day window, only the leaf is renewed.
        time.Advance(TimeSpan.FromDays(40));
        var (ca3, serving3) = await bootstrap.EnsureAsync();
        Assert.Equal(ca1.CertificatePem, ca3.CertificatePem);
        Assert.NotEqual(serving1.CertificatePem, serving3.CertificatePem);

        // 10-year CA: near its end both are replaced, and the stored Secrets say so.
        time.Advance(CertificateFactory.CaValidity - TimeSpan.FromDays(340 + 20));
        var (ca4, serving4) = await bootstrap.EnsureAsync();
        Assert.NotEqual(ca1.CertificatePem, ca4.CertificatePem);
        Assert.NotEqual(serving3.CertificatePem, serving4.CertificatePem);
        var stored = await fixture.Client.Dynamic(KnownResources.Secrets).GetAsync(options.CaSecretName, ns);
        Assert.Equal(ca4.CertificatePem, Encoding.UTF8.GetString(Convert.FromBase64String(stored["data"]!["ca.crt"]!.GetValue<string>())));
        var servingSecret = await fixture.Client.Dynamic(KnownResources.Secrets).GetAsync(options.ServingSecretName, ns);
        Assert.Equal(serving4.CertificatePem, Encoding.UTF8.GetString(Convert.FromBase64String(servingSecret["data"]!["tls.crt"]!.GetValue<string>())));
    }
}
