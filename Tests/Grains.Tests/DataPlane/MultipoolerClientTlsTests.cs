using System.Security.Cryptography.X509Certificates;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Grains.DataPlane;
using MultigresOrleans.Grains.DataPlane.ManagerData;

namespace MultigresOrleans.Grains.Tests.DataPlane;

/// <summary>
/// Internal mTLS (spec §9.4): the fake pooler serves TLS and requires a client certificate from the internal CA, as a
/// multipooler started with <c>--grpc-cert/--grpc-key/--grpc-ca</c> does. The reference's plaintext client fails here
/// (dataplane-contracts §8.8); ours presents a certificate and verifies the server's name against the CA.
/// </summary>
public sealed class MultipoolerClientTlsTests : IDisposable
{
    private const string ServerName = "multipooler.c1.ns.multigres.internal";

    private readonly CertificateFactory _factory = new(TimeProvider.System);
    private readonly PemKeyPair _ca;
    private readonly X509Certificate2 _caCertificate;
    private readonly X509Certificate2 _serverCertificate;
    private readonly X509Certificate2 _clientCertificate;

    public MultipoolerClientTlsTests()
    {
        _ca = _factory.CreateAuthority("Multigres Internal");
        _caCertificate = X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(_ca.CertificatePem).RawData);
        _serverCertificate = Load(_factory.CreateServing(_ca, new ServingCertificateRequest("multipooler", "ns", [ServerName], ClientAuth: true)));
        _clientCertificate = Load(_factory.CreateServing(_ca, new ServingCertificateRequest("multigres-operator", "ns", ClientAuth: true)));
    }

    public void Dispose()
    {
        _caCertificate.Dispose();
        _serverCertificate.Dispose();
        _clientCertificate.Dispose();
    }

    private static X509Certificate2 Load(PemKeyPair pair)
    {
        using var pem = X509Certificate2.CreateFromPem(pair.CertificatePem, pair.PrivateKeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static MultipoolerClient ClientFor(int port, MultipoolerTlsOptions tls) => new(new MultipoolerClientOptions
    {
        AddressOverride = (_, _) => new Uri($"http://127.0.0.1:{port}"),
        Tls = tls,
    });

    private static MultipoolerCallOptions Tls(string serverName = ServerName) => new() { TlsServerName = serverName, Deadline = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task A_call_over_mutual_TLS_presents_the_client_certificate_and_verifies_the_server_name()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()), _serverCertificate, _caCertificate);
        using var client = ClientFor(server.Port, new MultipoolerTlsOptions { ClientCertificate = _clientCertificate, CertificateAuthority = _caCertificate });

        await client.GetBackupsAsync(MultipoolerClientTests.Pooler(), new GetBackupsRequest(), Tls());
        await client.GetBackupsAsync(MultipoolerClientTests.Pooler(), new GetBackupsRequest(), Tls());

        Assert.All(server.Calls, c => Assert.Contains("CN=multigres-operator", c.ClientCertificateSubject, StringComparison.Ordinal));
        Assert.All(server.Calls, c => Assert.Equal(ServerName, c.Authority));
        Assert.Equal(1, server.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_rotated_client_certificate_is_taken_from_the_provider()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()), _serverCertificate, _caCertificate);
        var asked = 0;
        using var client = ClientFor(server.Port, new MultipoolerTlsOptions
        {
            ClientCertificateProvider = () =>
            {
                Interlocked.Increment(ref asked);
                return _clientCertificate;
            },
            CertificateAuthority = _caCertificate,
        });

        await client.GetBackupsAsync(MultipoolerClientTests.Pooler(), new GetBackupsRequest(), Tls());

        Assert.True(asked > 0);
        Assert.NotNull(Assert.Single(server.Calls).ClientCertificateSubject);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_pooler_refuses_and_the_call_is_UNAVAILABLE()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()), _serverCertificate, _caCertificate);
        using var client = ClientFor(server.Port, new MultipoolerTlsOptions { CertificateAuthority = _caCertificate });

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() =>
            client.GetBackupsAsync(MultipoolerClientTests.Pooler(), new GetBackupsRequest(), Tls()));

        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.Empty(server.Calls);
    }

    [Fact]
    public async Task A_server_certificate_for_another_name_is_rejected()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()), _serverCertificate, _caCertificate);
        using var client = ClientFor(server.Port, new MultipoolerTlsOptions { ClientCertificate = _clientCertificate, CertificateAuthority = _caCertificate });

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() =>
            client.GetBackupsAsync(MultipoolerClientTests.Pooler(), new GetBackupsRequest(), Tls("multipooler.other.ns.multigres.internal")));

        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.Contains("TLS handshake failed", error.Detail, StringComparison.Ordinal);
        Assert.Contains("server certificate rejected: it is not valid for the name multipooler.other.ns.multigres.internal", error.Detail, StringComparison.Ordinal);
        Assert.Empty(server.Calls);
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_rejected()
    {
        var otherCa = _factory.CreateAuthority("Someone Else");
        using var otherServer = Load(_factory.CreateServing(otherCa, new ServingCertificateRequest("multipooler", "ns", [ServerName])));
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()), otherServer, _caCertificate);
        using var client = ClientFor(server.Port, new MultipoolerTlsOptions { ClientCertificate = _clientCertificate, CertificateAuthority = _caCertificate });

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() =>
            client.GetBackupsAsync(MultipoolerClientTests.Pooler(), new GetBackupsRequest(), Tls()));

        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.Contains("TLS handshake failed", error.Detail, StringComparison.Ordinal);
        Assert.Contains("does not chain to the configured CA", error.Detail, StringComparison.Ordinal);
        Assert.Empty(server.Calls);
    }

    [Fact]
    public async Task A_plaintext_call_to_a_TLS_pooler_fails_as_UNAVAILABLE_like_the_references_client()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()), _serverCertificate, _caCertificate);
        using var client = ClientFor(server.Port, new MultipoolerTlsOptions { ClientCertificate = _clientCertificate, CertificateAuthority = _caCertificate });

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() =>
            client.GetBackupsAsync(MultipoolerClientTests.Pooler(), new GetBackupsRequest(), new MultipoolerCallOptions { Deadline = TimeSpan.FromSeconds(5) }));

        Assert.Contains(error.StatusCode, new[] { GrpcStatusCode.Unavailable, GrpcStatusCode.Internal });
        Assert.Empty(server.Calls);
    }
}
