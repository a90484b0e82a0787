using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MultigresOrleans.Grains.Certificates;

/// <summary>Reads what a Secret holds, refusing anything that is not the ECDSA PKI this operator runs.</summary>
public static class PemReader
{
    /// <summary>An ECDSA private key from SEC1 (<c>EC PRIVATE KEY</c>) or PKCS#8 (<c>PRIVATE KEY</c>) PEM.</summary>
    /// <exception cref="CryptographicException">Not PEM, corrupt, or not an ECDSA key.</exception>
    public static ECDsa ReadEcdsaKey(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new CryptographicException("the private key is not an ECDSA key in SEC1 or PKCS#8 PEM", e);
        }
    }

    /// <summary>A certificate and its ECDSA key, checked to belong together; null when either is missing or unreadable.</summary>
    public static X509Certificate2? TryReadPair(PemKeyPair pair)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(pair.CertificatePem);
            using var key = ReadEcdsaKey(pair.PrivateKeyPem);
            return certificate.CopyWithPrivateKey(key);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or InvalidOperationException)
        {
            return null;
        }
    }
}
