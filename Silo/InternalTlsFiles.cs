using System.Security.Cryptography.X509Certificates;
using MultigresOrleans.Grains.DataPlane;

namespace MultigresOrleans.Silo;

/// <summary>
/// The operator's internal-mTLS client identity from a mounted directory (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>).
/// The files are read again when they change, so a rotated certificate (cert-manager renews, the kubelet updates the
/// mount) is used for new connections without a restart; open connections keep the one they were made with.
/// </summary>
public static class InternalTlsFiles
{
    public static MultipoolerTlsOptions Options(string directory)
    {
        var cache = new Cache(directory);
        return new MultipoolerTlsOptions
        {
            ClientCertificateProvider = cache.Certificate,
            CertificateAuthority = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, "ca.crt"))),
        };
    }

    private sealed class Cache(string directory)
    {
        private readonly Lock _gate = new();
        private DateTime _loadedStamp;
        private X509Certificate2? _certificate;

        public X509Certificate2? Certificate()
        {
            var certPath = Path.Combine(directory, "tls.crt");
            var keyPath = Path.Combine(directory, "tls.key");
            var stamp = File.GetLastWriteTimeUtc(certPath);
            var keyStamp = File.GetLastWriteTimeUtc(keyPath);
            if (keyStamp > stamp)
                stamp = keyStamp;
            lock (_gate)
            {
                if (_certificate is null || stamp != _loadedStamp)
                {
                    // A PEM pair is not usable for a TLS client on every platform until exported to PKCS#12.
                    using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
                    _certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
                    _loadedStamp = stamp;
                }

                return _certificate;
            }
        }
    }
}
