using System.Security.Cryptography.X509Certificates;

namespace MultigresOrleans.Grains.DataPlane;

/// <summary>
/// How the operator's one multipooler client behaves. One instance serves every cluster, so everything here is
/// process-wide; what differs per cluster (internal TLS on or off, the server name to verify) travels with each call in
/// <see cref="MultipoolerCallOptions"/>.
/// </summary>
public sealed record MultipoolerClientOptions
{
    /// <summary>The deadline of a call that names none (10 s; the reference has only its 30 s data-plane budget).</summary>
    public TimeSpan DefaultDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest deadline a caller may ask for; longer ones are cut to this.</summary>
    public TimeSpan MaxDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The largest response message accepted, in bytes (16 MiB). A longer one fails the call with
    /// <see cref="GrpcStatusCode.ResourceExhausted"/> before it is read, so a confused peer cannot make the operator
    /// buffer without bound.
    /// </summary>
    public int MaxResponseMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>The largest request message sent, in bytes (16 MiB); a longer one fails before anything is sent.</summary>
    public int MaxRequestMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long a connection may take to open (TCP plus TLS); the call's deadline still applies on top.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>HTTP/2 PING after this much idle time (10 s, as the reference's keepalive), also with no call in flight.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection whose PING is not answered within this is closed (10 s, as the reference).</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An idle pooled connection is closed after this (a replaced pod's old connection does not linger).</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A connection is replaced after this, so a pod name that now resolves elsewhere is dialled anew.</summary>
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Maps a pooler's <c>(hostname, grpc port)</c> to the address actually dialled; only the host and port of the
    /// returned URI are used (the scheme follows the call's TLS setting). The sandbox uses it to reach pod addresses
    /// through local ports. The request's <c>:authority</c> stays the record's <c>host:port</c> (the TLS server name
    /// under TLS), and errors name the record's address.
    /// </summary>
    public Func<string, int, Uri>? AddressOverride { get; init; }

    /// <summary>The certificate material for calls made with TLS (internal mTLS, spec §9.4); null: such calls fail.</summary>
    public MultipoolerTlsOptions? Tls { get; init; }
}

/// <summary>
/// TLS material for the multipooler's mutual TLS (<c>--grpc-cert/--grpc-key/--grpc-ca</c>, spec §9.4). Unlike the
/// reference, whose plaintext client cannot complete a call once internal TLS is on (dataplane-contracts §8.8), the
/// operator presents a client certificate and verifies the server against the internal CA.
/// </summary>
public sealed record MultipoolerTlsOptions
{
    /// <summary>The operator's client certificate, with its private key, issued by a CA the poolers trust.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// Asked for the client certificate on every new TLS connection; set it to serve a rotated certificate without a
    /// new client (open connections keep the one they were made with). Wins over <see cref="ClientCertificate"/>.
    /// </summary>
    public Func<X509Certificate2?>? ClientCertificateProvider { get; init; }

    /// <summary>
    /// The CA a pooler's certificate must chain to (the internal CA, <c>ca.crt</c>). Null: the system trust store.
    /// </summary>
    public X509Certificate2? CertificateAuthority { get; init; }

    internal X509Certificate2? CurrentClientCertificate() => ClientCertificateProvider is { } provider ? provider() : ClientCertificate;
}

/// <summary>What one call asks for beyond the client's defaults.</summary>
public sealed record MultipoolerCallOptions
{
    /// <summary>The call's deadline; null: <see cref="MultipoolerClientOptions.DefaultDeadline"/>. Capped at the maximum.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>
    /// Non-null: call over TLS and require the pooler's certificate to name this host, e.g.
    /// <c>ResourceNames.InternalTlsName("multipooler", cluster, ns)</c> when the cluster has <c>internalTLS.enabled</c>.
    /// Null: plaintext HTTP/2 (h2c), as the multipooler serves without internal TLS.
    /// </summary>
    public string? TlsServerName { get; init; }
}
