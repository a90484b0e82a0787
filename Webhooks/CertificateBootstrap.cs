using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Webhooks;

/// <summary>The PKI names plus what only the webhook process has: its certificate directory.</summary>
public sealed class CertificateBootstrapOptions : WebhookPkiOptions
{
    public string CertDirectory { get; set; } = "/var/run/secrets/webhook";
}

/// <summary>
/// Spec §9.2's self-signed mode, run once at the webhook's start: <see cref="WebhookPki"/> (shared with
/// the certificate grain, which repeats the check hourly) ensures the Secrets and the CA bundles; this
/// class adds writing the pair into the certificate directory when no kubelet projects it.
/// </summary>
public sealed class CertificateBootstrap(KubernetesClient client, CertificateBootstrapOptions options, TimeProvider time, ILogger<CertificateBootstrap> logger)
{
    private readonly WebhookPki _pki = new(client, options, time, logger);

    /// <summary>Ensures both Secrets and the CA bundles; returns the CA and serving pairs now in force.</summary>
    public async Task<(PemKeyPair Authority, PemKeyPair Serving)> EnsureAsync(bool writeCertDirectory = false, CancellationToken cancellationToken = default)
    {
        var result = await _pki.EnsureAsync(cancellationToken);
        if (writeCertDirectory)
            await CertificateFiles.WriteAsync(options.CertDirectory, result.Serving, cancellationToken);
        return (result.Authority, result.Serving);
    }
}

/// <summary>The serving pair as files, the way the webhook server reads them.</summary>
public static class CertificateFiles
{
    /// <summary>
    /// Writes <c>tls.key</c> then <c>tls.crt</c>, each through a temporary file and a rename, so a reader
    /// never sees a half-written file; key first because the reloader reacts to either file and a
    /// certificate that arrives before its key would fail to load (harmless, but noisy).
    /// </summary>
    public static async Task WriteAsync(string directory, PemKeyPair serving, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(serving);
        Directory.CreateDirectory(directory);
        await WriteFileAsync(Path.Combine(directory, CertificateModeRules.KeyFile), serving.PrivateKeyPem, cancellationToken);
        await WriteFileAsync(Path.Combine(directory, CertificateModeRules.CertificateFile), serving.CertificatePem, cancellationToken);
    }

    /// <summary>Whether the directory holds exactly this pair.</summary>
    public static bool Holds(string directory, PemKeyPair serving)
    {
        ArgumentNullException.ThrowIfNull(serving);
        try
        {
            return string.Equals(File.ReadAllText(Path.Combine(directory, CertificateModeRules.CertificateFile)), serving.CertificatePem, StringComparison.Ordinal)
                && string.Equals(File.ReadAllText(Path.Combine(directory, CertificateModeRules.KeyFile)), serving.PrivateKeyPem, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task WriteFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp-" + Environment.ProcessId;
        await File.WriteAllTextAsync(temporary, content, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }
}
