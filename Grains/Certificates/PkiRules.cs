using System.Security.Cryptography.X509Certificates;

namespace MultigresOrleans.Grains.Certificates;

/// <summary>What to do with a stored certificate, and why (the why becomes the event message and the log).</summary>
public enum CertificateAction
{
    Keep,

    /// <summary>Nothing stored yet: create it (event <c>Generated</c>).</summary>
    Create,

    /// <summary>Stored but unusable or about to expire: replace it (event <c>Generated</c> for a CA, <c>Rotated</c> for a leaf).</summary>
    Replace,
}

public sealed record CertificateDecision(CertificateAction Action, string Reason)
{
    public static CertificateDecision Keep { get; } = new(CertificateAction.Keep, "valid");
}

/// <summary>
/// When the self-signed PKI must change (spec §9.1), as pure decisions so the certificate grain
/// only reads, decides and writes. A CA is replaced when it is corrupt or expires within 30 days;
/// a serving certificate when it is corrupt, expires within 30 days, was not signed by the current
/// CA (the CA was replaced), or its DNS names differ from the wanted set (order and duplicates
/// ignored) — the last makes adding a SAN (say, a new pool's wildcard) take effect without waiting
/// for expiry.
/// </summary>
public static class PkiRules
{
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public const string CaCertificateKey = "ca.crt";
    public const string CaPrivateKeyKey = "ca.key";
    public const string TlsCertificateKey = "tls.crt";
    public const string TlsPrivateKeyKey = "tls.key";

    public static CertificateDecision EvaluateAuthority(PemKeyPair? stored, DateTimeOffset now)
    {
        if (stored is null)
            return new CertificateDecision(CertificateAction.Create, "no CA certificate stored");
        using var certificate = PemReader.TryReadPair(stored);
        if (certificate is null)
            return new CertificateDecision(CertificateAction.Replace, "the stored CA certificate or key cannot be read");
        if (!IsAuthority(certificate))
            return new CertificateDecision(CertificateAction.Replace, "the stored CA certificate is not a certificate authority");
        return Expiring(certificate, now) is { } expiry ? new CertificateDecision(CertificateAction.Replace, expiry) : CertificateDecision.Keep;
    }

    public static CertificateDecision EvaluateServing(PemKeyPair? stored, PemKeyPair authority, ServingCertificateRequest wanted, DateTimeOffset now)
    {
        if (stored is null)
            return new CertificateDecision(CertificateAction.Create, "no serving certificate stored");
        using var certificate = PemReader.TryReadPair(stored);
        if (certificate is null)
            return new CertificateDecision(CertificateAction.Replace, "the stored serving certificate or key cannot be read");
        if (Expiring(certificate, now) is { } expiry)
            return new CertificateDecision(CertificateAction.Replace, expiry);
        using var ca = X509Certificate2.CreateFromPem(authority.CertificatePem);
        if (!SignedBy(certificate, ca, now))
            return new CertificateDecision(CertificateAction.Replace, "the serving certificate was not signed by the current CA");

        var have = DnsNames(certificate);
        var want = wanted.DnsNames.ToHashSet(StringComparer.Ordinal);
        return have.SetEquals(want)
            ? CertificateDecision.Keep
            : new CertificateDecision(CertificateAction.Replace, $"the serving certificate's DNS names [{string.Join(", ", have.Order(StringComparer.Ordinal))}] differ from [{string.Join(", ", want.Order(StringComparer.Ordinal))}]");
    }

    public static HashSet<string> DnsNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToHashSet(StringComparer.Ordinal);

    private static string? Expiring(X509Certificate2 certificate, DateTimeOffset now)
    {
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return notAfter - now < RenewBefore ? $"the certificate expires at {notAfter:u}, within {RenewBefore.TotalDays:0} days" : null;
    }

    private static bool IsAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);

    private static bool SignedBy(X509Certificate2 leaf, X509Certificate2 authority, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        return chain.Build(leaf) && chain.ChainElements.Count == 2
            && chain.ChainElements[1].Certificate.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span);
    }
}
