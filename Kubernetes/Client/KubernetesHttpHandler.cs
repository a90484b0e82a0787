using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>
/// The socket handler the client uses: pooled connections (so requests reuse them), HTTP/2 when
/// the server offers it over TLS with several connections allowed (each watch holds a stream and
/// a server caps streams per connection), keep-alive pings so a dead connection under a quiet
/// watch is noticed, and server-certificate validation against the kubeconfig's CA rather than
/// the system store.
/// </summary>
public static class KubernetesHttpHandler
{
    public static SocketsHttpHandler Create(KubernetesClientConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };

        if (configuration.Server.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = configuration.TlsServerName,
                RemoteCertificateValidationCallback = CreateValidator(configuration),
            };
            if (configuration.ClientCertificate is { } clientCert)
                handler.SslOptions.ClientCertificates = [clientCert];
        }
        return handler;
    }

    internal static RemoteCertificateValidationCallback CreateValidator(KubernetesClientConfiguration configuration)
    {
        if (configuration.InsecureSkipTlsVerify)
            return static (_, _, _, _) => true;
        var cas = configuration.CertificateAuthorities;
        if (cas is null || cas.Count == 0)
            return static (_, _, _, errors) => errors == SslPolicyErrors.None;

        return (_, certificate, chain, errors) =>
        {
            if (certificate is null) return false;
            // The host name check stays with the platform; only the trust anchor is ours.
            if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
                return false;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(cas);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
            using var leaf = new X509Certificate2(certificate);
            return custom.Build(leaf);
        };
    }
}
