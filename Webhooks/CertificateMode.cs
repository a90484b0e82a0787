using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Certificates;

namespace MultigresOrleans.Webhooks;

/// <summary>Who looks after the serving certificate (spec §9.2).</summary>
public enum CertificateMode
{
    /// <summary>This process: CA and serving Secrets via <see cref="CertificateBootstrap"/>, caBundle patched into both configurations.</summary>
    SelfSigned,

    /// <summary>Someone else (cert-manager and <c>cert-manager.io/inject-ca-from</c>): serve the mounted pair and hot-reload it, nothing more.</summary>
    External,
}

public sealed record CertificateModeDecision(CertificateMode Mode, string Reason);

/// <summary>
/// The §9.2 start-up decision as a pure function: (1) <c>tls.crt</c> or <c>tls.key</c> missing in the
/// certificate directory ⇒ self-signed; (2) else either webhook configuration annotated
/// <c>multigres.com/cert-strategy: self-signed</c> (left there by an earlier self-signed run) ⇒
/// self-signed; (3) else the mounted pair is managed externally. <c>WEBHOOK_SELF_SIGNED</c>
/// (<c>true</c>/<c>false</c>) overrides the detection; unset or anything else means detect.
/// </summary>
public static class CertificateModeRules
{
    public const string SelfSignedStrategy = AnnotationValues.CertStrategySelfSigned;
    public const string CertificateFile = "tls.crt";
    public const string KeyFile = "tls.key";

    /// <param name="certificatePresent">whether <c>&lt;dir&gt;/tls.crt</c> exists</param>
    /// <param name="keyPresent">whether <c>&lt;dir&gt;/tls.key</c> exists</param>
    /// <param name="configurations">the mutating and validating configurations as read (null: not found)</param>
    /// <param name="selfSignedOverride">the value of <c>WEBHOOK_SELF_SIGNED</c>, if any</param>
    public static CertificateModeDecision Decide(bool certificatePresent, bool keyPresent, IEnumerable<JsonObject?> configurations, string? selfSignedOverride = null)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        switch (selfSignedOverride?.Trim().ToLowerInvariant())
        {
            case "true":
                return new(CertificateMode.SelfSigned, "WEBHOOK_SELF_SIGNED=true");
            case "false":
                return new(CertificateMode.External, "WEBHOOK_SELF_SIGNED=false");
        }
        if (!certificatePresent || !keyPresent)
            return new(CertificateMode.SelfSigned, $"{(certificatePresent ? KeyFile : CertificateFile)} is not mounted");
        if (WebhookPkiRules.SelfSignedAnnotated(configurations, out var annotated))
            return new(CertificateMode.SelfSigned, $"{annotated} is annotated {AnnotationKeys.CertStrategy}: {SelfSignedStrategy}");
        return new(CertificateMode.External, $"a certificate is mounted and no webhook configuration is annotated {AnnotationKeys.CertStrategy}: {SelfSignedStrategy}");
    }

    /// <summary>Convenience over <see cref="Decide"/> for a directory on disk.</summary>
    public static CertificateModeDecision Decide(string certDirectory, IEnumerable<JsonObject?> configurations, string? selfSignedOverride = null) =>
        Decide(File.Exists(Path.Combine(certDirectory, CertificateFile)), File.Exists(Path.Combine(certDirectory, KeyFile)), configurations, selfSignedOverride);

    /// <summary>
    /// Whether this process may write the pair itself. A projected Secret volume is read-only: then the
    /// self-signed bootstrap writes only the Secret and the kubelet's projection is waited for.
    /// </summary>
    public static bool IsWritable(string certDirectory)
    {
        try
        {
            Directory.CreateDirectory(certDirectory);
            var probe = Path.Combine(certDirectory, ".write-probe-" + Environment.ProcessId);
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
