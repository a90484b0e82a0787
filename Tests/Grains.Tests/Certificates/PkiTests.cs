using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Grains.Tests.Certificates;

/// <summary>The self-signed webhook PKI of spec §9.1: what is generated, and when it is replaced.</summary>
public sealed class PkiTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ServingCertificateRequest Webhook = new("multigres-operator-webhook-service", "multigres-operator");

    private readonly FakeTimeProvider _time = new(Start);
    private readonly CertificateFactory _factory;

    public PkiTests() => _factory = new CertificateFactory(_time);

    [Fact]
    public void The_ca_is_a_ten_year_p256_authority_backdated_an_hour()
    {
        var ca = _factory.CreateAuthority();
        using var certificate = X509Certificate2.CreateFromPem(ca.CertificatePem);

        Assert.Equal("CN=Multigres Operator CA, O=Multigres Operator", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.Equal("01", certificate.SerialNumber);
        Assert.Equal(Start.UtcDateTime.AddHours(-1), certificate.NotBefore.ToUniversalTime());
        Assert.Equal(Start.UtcDateTime.AddHours(87600), certificate.NotAfter.ToUniversalTime());
        Assert.True(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        using var key = certificate.GetECDsaPublicKey()!;
        Assert.Equal(256, key.KeySize);
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", ca.PrivateKeyPem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_serving_certificate_names_the_service_and_chains_to_the_ca()
    {
        var ca = _factory.CreateAuthority();
        var serving = _factory.CreateServing(ca, Webhook with { AdditionalDnsNames = ["extra.example"] });
        using var certificate = X509Certificate2.CreateFromPem(serving.CertificatePem);

        Assert.Equal("CN=multigres-operator-webhook-service, O=Multigres Operator", certificate.Subject);
        Assert.Equal(
            ["extra.example", "multigres-operator-webhook-service.multigres-operator.svc", "multigres-operator-webhook-service.multigres-operator.svc.cluster.local"],
            PkiRules.DnsNames(certificate).Order(StringComparer.Ordinal));
        Assert.Equal(Start.UtcDateTime.AddHours(8760), certificate.NotAfter.ToUniversalTime());
        Assert.Equal(32, certificate.SerialNumber.Length);
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        Assert.Equal(CertificateAction.Keep, PkiRules.EvaluateServing(serving, ca, Webhook with { AdditionalDnsNames = ["extra.example"] }, Start).Action);
    }

    [Fact]
    public void An_ip_service_name_also_becomes_an_ip_san()
    {
        var ca = _factory.CreateAuthority();
        using var certificate = X509Certificate2.CreateFromPem(_factory.CreateServing(ca, new ServingCertificateRequest("127.0.0.1", "ns")).CertificatePem);
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["127.0.0.1"], san.EnumerateIPAddresses().Select(a => a.ToString()));
    }

    [Fact]
    public void A_missing_ca_is_created_a_healthy_one_kept_and_a_corrupt_one_replaced()
    {
        Assert.Equal(CertificateAction.Create, PkiRules.EvaluateAuthority(null, Start).Action);
        var ca = _factory.CreateAuthority();
        Assert.Equal(CertificateAction.Keep, PkiRules.EvaluateAuthority(ca, Start).Action);
        Assert.Equal(CertificateAction.Replace, PkiRules.EvaluateAuthority(ca with { PrivateKeyPem = "garbage" }, Start).Action);
        Assert.Equal(CertificateAction.Replace, PkiRules.EvaluateAuthority(ca with { CertificatePem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" }, Start).Action);

        using var rsa = RSA.Create(2048);
        var rsaKey = new PemKeyPair(ca.CertificatePem, rsa.ExportPkcs8PrivateKeyPem());
        Assert.Equal(CertificateAction.Replace, PkiRules.EvaluateAuthority(rsaKey, Start).Action);
    }

    [Fact]
    public void A_pkcs8_ca_key_is_accepted()
    {
        var ca = _factory.CreateAuthority();
        using var key = PemReader.ReadEcdsaKey(ca.PrivateKeyPem);
        var pkcs8 = ca with { PrivateKeyPem = key.ExportPkcs8PrivateKeyPem() };
        Assert.Equal(CertificateAction.Keep, PkiRules.EvaluateAuthority(pkcs8, Start).Action);
        Assert.NotNull(_factory.CreateServing(pkcs8, Webhook));
    }

    [Fact]
    public void Certificates_are_replaced_30_days_before_they_expire()
    {
        var ca = _factory.CreateAuthority();
        var serving = _factory.CreateServing(ca, Webhook);
        var leafExpiry = Start.AddHours(8760);

        Assert.Equal(CertificateAction.Keep, PkiRules.EvaluateServing(serving, ca, Webhook, leafExpiry - TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1)).Action);
        var due = PkiRules.EvaluateServing(serving, ca, Webhook, leafExpiry - TimeSpan.FromDays(29));
        Assert.Equal(CertificateAction.Replace, due.Action);
        Assert.Contains("expires at", due.Reason, StringComparison.Ordinal);

        Assert.Equal(CertificateAction.Keep, PkiRules.EvaluateAuthority(ca, Start.AddHours(87600) - TimeSpan.FromDays(31)).Action);
        Assert.Equal(CertificateAction.Replace, PkiRules.EvaluateAuthority(ca, Start.AddHours(87600) - TimeSpan.FromDays(1)).Action);
    }

    [Fact]
    public void A_serving_certificate_from_another_ca_is_replaced()
    {
        var oldCa = _factory.CreateAuthority();
        var serving = _factory.CreateServing(oldCa, Webhook);
        var newCa = _factory.CreateAuthority();

        var decision = PkiRules.EvaluateServing(serving, newCa, Webhook, Start);
        Assert.Equal(CertificateAction.Replace, decision.Action);
        Assert.Equal("the serving certificate was not signed by the current CA", decision.Reason);
    }

    [Fact]
    public void A_changed_dns_name_set_rotates_but_order_and_duplicates_do_not()
    {
        var ca = _factory.CreateAuthority();
        var serving = _factory.CreateServing(ca, Webhook with { AdditionalDnsNames = ["a.example", "b.example"] });

        Assert.Equal(CertificateAction.Keep, PkiRules.EvaluateServing(serving, ca, Webhook with { AdditionalDnsNames = ["b.example", "a.example", "a.example"] }, Start).Action);
        var changed = PkiRules.EvaluateServing(serving, ca, Webhook with { AdditionalDnsNames = ["a.example"] }, Start);
        Assert.Equal(CertificateAction.Replace, changed.Action);
        Assert.Contains("differ from", changed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_unreadable_serving_certificate_is_created_or_replaced()
    {
        var ca = _factory.CreateAuthority();
        Assert.Equal(CertificateAction.Create, PkiRules.EvaluateServing(null, ca, Webhook, Start).Action);
        var serving = _factory.CreateServing(ca, Webhook);
        var mismatched = serving with { PrivateKeyPem = _factory.CreateServing(ca, Webhook).PrivateKeyPem };
        Assert.Equal(CertificateAction.Replace, PkiRules.EvaluateServing(mismatched, ca, Webhook, Start).Action);
    }

    [Fact]
    public void A_ca_near_its_own_end_issues_leaves_that_end_with_it()
    {
        var ca = _factory.CreateAuthority();
        _time.Advance(TimeSpan.FromHours(87600) - TimeSpan.FromDays(100));
        using var certificate = X509Certificate2.CreateFromPem(_factory.CreateServing(ca, Webhook).CertificatePem);
        Assert.Equal(Start.UtcDateTime.AddHours(87600), certificate.NotAfter.ToUniversalTime());
    }
}
