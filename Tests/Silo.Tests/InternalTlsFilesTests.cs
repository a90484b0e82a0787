using MultigresOrleans.Grains.Certificates;

namespace MultigresOrleans.Silo.Tests;

/// <summary>The operator's internal-mTLS client identity is read from its mounted directory and re-read after a rotation.</summary>
public sealed class InternalTlsFilesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "itls-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void The_client_certificate_has_its_key_and_a_rotated_pair_is_picked_up()
    {
        Directory.CreateDirectory(_directory);
        var factory = new CertificateFactory(TimeProvider.System);
        var ca = factory.CreateAuthority();
        Write(ca, factory.CreateServing(ca, new ServingCertificateRequest("multigres-operator", "multigres-operator", ClientAuth: true)), DateTime.UtcNow.AddMinutes(-2));

        var options = InternalTlsFiles.Options(_directory);
        var first = options.ClientCertificateProvider!()!;
        Assert.True(first.HasPrivateKey);
        Assert.Equal("Multigres Operator CA", options.CertificateAuthority!.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
        Assert.Same(first, options.ClientCertificateProvider()); // unchanged files: the loaded certificate is reused

        Write(ca, factory.CreateServing(ca, new ServingCertificateRequest("multigres-operator", "multigres-operator", ClientAuth: true)), DateTime.UtcNow);
        var second = options.ClientCertificateProvider()!;
        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        Assert.True(second.HasPrivateKey);
    }

    private void Write(PemKeyPair ca, PemKeyPair client, DateTime stamp)
    {
        File.WriteAllText(Path.Combine(_directory, "ca.crt"), ca.CertificatePem);
        File.WriteAllText(Path.Combine(_directory, "tls.crt"), client.CertificatePem);
        File.WriteAllText(Path.Combine(_directory, "tls.key"), client.PrivateKeyPem);
        File.SetLastWriteTimeUtc(Path.Combine(_directory, "tls.crt"), stamp);
        File.SetLastWriteTimeUtc(Path.Combine(_directory, "tls.key"), stamp);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
