using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// The serving certificate, read from <c>tls.crt</c>/<c>tls.key</c> in a directory and re-read when
/// the directory changes. Kestrel asks <see cref="Current"/> on every TLS handshake (through
/// ServerCertificateSelector), so a rotation takes effect for new connections while established
/// ones keep the certificate they were opened with: nothing is dropped. The kubelet projects a
/// Secret by swapping a <c>..data</c> symlink, which shows up as a rename/create in the directory,
/// so the watcher covers the whole directory, not the two files. A failed read (a half-written
/// pair) keeps the previous certificate and is retried on the next change.
/// </summary>
public sealed class ReloadingCertificate : IDisposable
{
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher? _watcher;
    private readonly Lock _gate = new();
    private X509Certificate2? _current;

    public ReloadingCertificate(string directory, ILogger logger, bool watch = true)
    {
        _directory = directory;
        _logger = logger;
        Reload();
        if (watch && Directory.Exists(directory))
        {
            _watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.DirectoryName | NotifyFilters.Size };
            _watcher.Changed += (_, _) => Reload();
            _watcher.Created += (_, _) => Reload();
            _watcher.Renamed += (_, _) => Reload();
            _watcher.Deleted += (_, _) => Reload();
            _watcher.EnableRaisingEvents = true;
        }
    }

    public X509Certificate2? Current => Volatile.Read(ref _current);

    /// <summary>How many times a new certificate was installed; lets tests wait for a rotation.</summary>
    public int Generation { get; private set; }

    /// <summary>Reads the pair again; returns whether a different certificate is now served.</summary>
    public bool Reload()
    {
        lock (_gate)
        {
            X509Certificate2 loaded;
            try
            {
                loaded = Load(Path.Combine(_directory, "tls.crt"), Path.Combine(_directory, "tls.key"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                Log.CertificateLoadFailed(_logger, _directory, e.GetType().Name);
                return false;
            }
            if (_current is not null && _current.Thumbprint == loaded.Thumbprint)
            {
                loaded.Dispose();
                return false;
            }
            // The previous certificate is not disposed: handshakes in flight may still hold it.
            Volatile.Write(ref _current, loaded);
            Generation++;
            Log.CertificateLoaded(_logger, loaded.Subject, loaded.Thumbprint, loaded.NotAfter.ToUniversalTime());
            return true;
        }
    }

    /// <summary>
    /// A PEM pair as an SslStream-ready certificate. The export/import round trip gives the key a
    /// form every platform's TLS stack accepts (an ephemeral PEM key is refused on some).
    /// </summary>
    public static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    public void Dispose() => _watcher?.Dispose();
}
