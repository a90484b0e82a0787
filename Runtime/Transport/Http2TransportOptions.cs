using System.Net;
using System.Text.Json;
using MultigresOrleans.Runtime.Membership;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>
/// The HTTP/2 call transport of a silo (<see cref="Http2TransportExtensions.UseHttp2Transport"/>):
/// its server side (Kestrel, h2c) and its client side (one pooled <see cref="System.Net.Http.SocketsHttpHandler"/>).
/// Calls are authenticated (HMAC-SHA256 with <see cref="SharedKey"/>), not encrypted.
/// </summary>
public sealed class Http2TransportOptions
{
    /// <summary>Smallest accepted <see cref="SharedKey"/> (the HMAC-SHA256 block of security: 256 bits).</summary>
    public const int MinimumKeyLength = 32;

    /// <summary>Where the server listens. Default: loopback, port 0 (any free port; see <see cref="SiloHost.CallEndpoint"/>).</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// The URI published as <see cref="SiloHost.CallEndpoint"/> when the bound address is not what
    /// peers should dial (listening on 0.0.0.0 in a pod: advertise <c>http://&lt;pod-ip&gt;:&lt;port&gt;</c>). Default: the bound address.
    /// </summary>
    public Uri? AdvertisedEndpoint { get; set; }

    /// <summary>
    /// The cluster's shared HMAC key (at least <see cref="MinimumKeyLength"/> bytes; in production read
    /// from a Kubernetes Secret). Every silo and client of the cluster must use the same bytes.
    /// </summary>
    public ReadOnlyMemory<byte> SharedKey { get; set; }

    /// <summary>
    /// Keys whose signatures this silo also accepts on incoming calls; it always signs with
    /// <see cref="SharedKey"/>. This is how the cluster key is rotated without refusing calls while
    /// pods restart: first every pod accepts the new key (signing with the old), then every pod signs
    /// with the new key (accepting the old), then the old key goes (Runtime/README.md, "Key rotation").
    /// </summary>
    public IList<ReadOnlyMemory<byte>> AdditionalKeys { get; } = [];

    /// <summary>Where other silos listen. Default: the membership oracle when it implements <see cref="ISiloDirectory"/>.</summary>
    public ISiloDirectory? Directory { get; set; }

    /// <summary>
    /// Serialisation of arguments and results (System.Text.Json). Put source-generated
    /// <c>JsonSerializerContext</c>s in <see cref="JsonSerializerOptions.TypeInfoResolverChain"/>; when
    /// null, web defaults with the reflection-based resolver are used.
    /// </summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>Largest request body the server accepts (larger: 413, the call does not run); the client refuses to send larger ones. Default 4 MiB.</summary>
    public long MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;

    /// <summary>How far a request's timestamp may be from the server's clock, either way. Default 5 min.</summary>
    public TimeSpan TimestampWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Bound on nonces remembered for replay detection (each lives for its timestamp + window). When
    /// full, new calls are refused as SiloUnavailable (they did not run) until old nonces expire.
    /// Default 1,000,000 (about 50 MB at most; reached only above ~1,600 calls/s sustained for the window).
    /// </summary>
    public int MaxTrackedNonces { get; set; } = 1_000_000;

    /// <summary>Client side: how long establishing a connection may take before the target counts as unavailable. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the server waits for in-flight requests when the silo stops. Default 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        ValidateKey(SharedKey);
        foreach (var additional in AdditionalKeys)
            ValidateKey(additional);
        ArgumentNullException.ThrowIfNull(Listen);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestBodySize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TimestampWindow, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTrackedNonces, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
    }

    internal static void ValidateKey(ReadOnlyMemory<byte> key)
    {
        if (key.Length < MinimumKeyLength)
            throw new ArgumentException($"the transport's shared key must be at least {MinimumKeyLength} bytes (got {key.Length}); generate one with e.g. `head -c 32 /dev/urandom` into a Kubernetes Secret.", nameof(key));
    }
}
