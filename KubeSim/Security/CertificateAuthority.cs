using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MultigresOrleans.KubeSim.Security;

/// <summary>
/// A throwaway certificate authority generated at start: the kubeconfig carries its certificate as
/// `certificate-authority-data`, so kubectl and clients verify the HTTPS listener as they would a
/// real cluster, and tests can issue serving certificates for admission webhooks from it.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private readonly X509Certificate2 ca;
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public CertificateAuthority(TimeProvider time)
    {
        var request = new CertificateRequest("CN=kubesim-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    public X509Certificate2 Certificate => ca;

    /// <summary>The CA certificate in PEM, for kubeconfigs and webhook caBundles.</summary>
    public string CertificatePem => ca.ExportCertificatePem();

    /// <summary>
    /// Issues a serving certificate for loopback names (and any extra DNS names). The result is
    /// round-tripped through PKCS#12 because SslStream on Linux needs a persisted private key.
    /// </summary>
    public X509Certificate2 IssueServerCertificate(TimeProvider time, params string[] dnsNames)
    {
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + (dnsNames.FirstOrDefault() ?? "localhost"), leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        foreach (var name in dnsNames)
            san.AddDnsName(name);
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = time.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, now.AddDays(-1), now.AddDays(364), serial);
        using var withKey = issued.CopyWithPrivateKey(leafKey);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to a CA given as PEM (a webhook's caBundle).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, string caPem)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(caPem);
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        ca.Dispose();
        key.Dispose();
    }
}
