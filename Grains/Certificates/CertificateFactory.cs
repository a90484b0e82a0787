using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MultigresOrleans.Grains.Certificates;

/// <summary>A PEM certificate with its PEM private key, as stored in a Secret.</summary>
public sealed record PemKeyPair(string CertificatePem, string PrivateKeyPem)
{
    /// <summary>The pair a Secret holds under <paramref name="certificateKey"/> and <paramref name="keyKey"/>; null when the Secret or either key is missing.</summary>
    public static PemKeyPair? FromSecret(Kubernetes.Models.Secret? secret, string certificateKey, string keyKey) =>
        secret?.Data is { } data && data.TryGetValue(certificateKey, out var cert) && data.TryGetValue(keyKey, out var key)
            ? new PemKeyPair(System.Text.Encoding.UTF8.GetString(cert), System.Text.Encoding.UTF8.GetString(key))
            : null;
}

/// <summary>What a serving (leaf) certificate must say.</summary>
/// <param name="ServiceName">The certificate's CN; also the Service whose in-cluster DNS names become SANs.</param>
/// <param name="Namespace">The Service's namespace.</param>
/// <param name="AdditionalDnsNames">Extra SANs (e.g. pgBackRest's per-pool wildcard names).</param>
/// <param name="ClientAuth">Also valid for client authentication (mutual TLS peers), not only server authentication.</param>
public sealed record ServingCertificateRequest(string ServiceName, string Namespace, IReadOnlyList<string>? AdditionalDnsNames = null, bool ClientAuth = false)
{
    /// <summary><c>&lt;svc&gt;.&lt;ns&gt;.svc</c>, <c>&lt;svc&gt;.&lt;ns&gt;.svc.cluster.local</c>, then the additional names.</summary>
    public IReadOnlyList<string> DnsNames =>
        [$"{ServiceName}.{Namespace}.svc", $"{ServiceName}.{Namespace}.svc.cluster.local", .. AdditionalDnsNames ?? []];
}

/// <summary>
/// Makes the operator's self-signed PKI (spec §9.1): an ECDSA P-256 CA valid for ten years and
/// leaf certificates valid for one year, both back-dated an hour so a node whose clock lags a
/// little still accepts them. Keys are written as SEC1 <c>EC PRIVATE KEY</c> PEM, the form the
/// reference writes and Go's TLS stack reads.
/// </summary>
public sealed class CertificateFactory(TimeProvider time)
{
    public const string DefaultOrganization = "Multigres Operator";
    public static readonly TimeSpan CaValidity = TimeSpan.FromHours(87600);
    public static readonly TimeSpan LeafValidity = TimeSpan.FromHours(8760);
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public PemKeyPair CreateAuthority(string organization = DefaultOrganization)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject($"{organization} CA", organization), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid), new Oid(ClientAuthOid)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        var now = time.GetUtcNow();
        using var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), now - Backdate, now + CaValidity, [1]);
        return new PemKeyPair(certificate.ExportCertificatePem(), key.ExportECPrivateKeyPem());
    }

    public PemKeyPair CreateServing(PemKeyPair authority, ServingCertificateRequest serving, string organization = DefaultOrganization)
    {
        using var caCertificate = X509Certificate2.CreateFromPem(authority.CertificatePem);
        using var caKey = PemReader.ReadEcdsaKey(authority.PrivateKeyPem);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var request = new CertificateRequest(Subject(serving.ServiceName, organization), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature, critical: true));
        var usages = new OidCollection { new Oid(ServerAuthOid) };
        if (serving.ClientAuth)
            usages.Add(new Oid(ClientAuthOid));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));

        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in serving.DnsNames.Distinct(StringComparer.Ordinal))
            san.AddDnsName(name);
        if (IPAddress.TryParse(serving.ServiceName, out var ip))
            san.AddIpAddress(ip);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCertificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive 128-bit serial
        var now = time.GetUtcNow();
        var notAfter = now + LeafValidity;
        // A leaf never outlives its CA; X509 refuses to issue past the issuer's NotAfter.
        if (notAfter > caCertificate.NotAfter.ToUniversalTime())
            notAfter = caCertificate.NotAfter.ToUniversalTime();
        using var certificate = request.Create(caCertificate.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now - Backdate, notAfter, serial);
        return new PemKeyPair(certificate.ExportCertificatePem(), key.ExportECPrivateKeyPem());
    }

    // The builder encodes RDNs in reverse order of addition; adding CN first encodes O before CN,
    // the order Go's crypto/x509 writes (so `openssl x509 -subject` reads the same for both).
    private static X500DistinguishedName Subject(string commonName, string organization)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        builder.AddOrganizationName(organization);
        return builder.Build();
    }
}
