using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Runtime.Membership;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>
/// Calls grains of a cluster from outside any silo (webhooks, CLIs): the same typed references and
/// the same <see cref="GrainRouter"/> as a silo (owner from the partition map, redirect and retry on
/// ownership change), every call over the HTTP/2 transport. Hosts nothing.
/// </summary>
public sealed class ClusterClient : IGrainFactory, IAsyncDisposable
{
    private readonly RoutingGrainFactory factory;
    private readonly RemoteGrainTransport transport;

    internal ClusterClient(RoutingGrainFactory factory, RemoteGrainTransport transport)
    {
        this.factory = factory;
        this.transport = transport;
    }

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey => factory.GetGrain<TGrainInterface>(primaryKey);

    public ValueTask DisposeAsync()
    {
        transport.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Options of a <see cref="ClusterClient"/>; they must match the cluster's (key, serializer).</summary>
public sealed class ClusterClientOptions
{
    /// <summary>The cluster's shared HMAC key (same bytes as the silos' <see cref="Http2TransportOptions.SharedKey"/>; at least 32).</summary>
    public ReadOnlyMemory<byte> SharedKey { get; set; }

    /// <summary>Same meaning and default as <see cref="Http2TransportOptions.SerializerOptions"/>.</summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>Per call, including retries after ownership changes. Default 30 s (as <see cref="SiloOptions.CallTimeout"/>).</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The client refuses to send larger requests. Default 4 MiB.</summary>
    public long MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;
}

/// <summary>Composes a <see cref="ClusterClient"/>: grain interfaces, membership (for the partition map), silo directory, key.</summary>
public sealed class ClusterClientBuilder
{
    private readonly GrainRegistry registry = new();
    private IMembershipOracle? membership;
    private ISiloDirectory? directory;
    private TimeProvider timeProvider = TimeProvider.System;
    private ILoggerFactory loggerFactory = NullLoggerFactory.Instance;

    public ClusterClientOptions Options { get; } = new();

    public ClusterClientBuilder Configure(Action<ClusterClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Options);
        return this;
    }

    /// <summary>
    /// Registers a grain interface the client calls. <paramref name="grainType"/> must be the grain
    /// type of the class implementing it on the silos (its <see cref="GrainTypeAttribute"/> or class
    /// name convention); default: the interface name without the leading <c>I</c> and a <c>Grain</c>
    /// suffix, lower case (<c>ICounterGrain</c> → <c>counter</c>, matching class <c>CounterGrain</c>).
    /// </summary>
    public ClusterClientBuilder AddGrainInterface<TGrainInterface>(string? grainType = null)
        where TGrainInterface : IGrainWithStringKey
    {
        registry.AddInterface(typeof(TGrainInterface), grainType ?? DefaultGrainType(typeof(TGrainInterface)));
        return this;
    }

    /// <summary>Where the partition map comes from (the Kubernetes membership in client mode; any oracle with a map in tests).</summary>
    public ClusterClientBuilder UseMembership(IMembershipOracle oracle)
    {
        membership = oracle;
        return this;
    }

    /// <summary>Where silos listen. Default: the membership oracle when it implements <see cref="ISiloDirectory"/>.</summary>
    public ClusterClientBuilder UseSiloDirectory(ISiloDirectory siloDirectory)
    {
        directory = siloDirectory;
        return this;
    }

    public ClusterClientBuilder UseTimeProvider(TimeProvider provider)
    {
        timeProvider = provider;
        return this;
    }

    public ClusterClientBuilder UseLoggerFactory(ILoggerFactory factory)
    {
        loggerFactory = factory;
        return this;
    }

    public ClusterClient Build()
    {
        var oracle = membership ?? throw new InvalidOperationException("a cluster client needs a membership oracle (UseMembership) for the partition map");
        var silos = directory ?? oracle as ISiloDirectory
            ?? throw new InvalidOperationException("a cluster client needs an ISiloDirectory (UseSiloDirectory)");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Options.CallTimeout, TimeSpan.Zero);
        var transport = new RemoteGrainTransport(
            silos,
            Options.SharedKey,
            Options.SerializerOptions,
            timeProvider,
            Options.CallTimeout,
            Options.MaxRequestBodySize,
            Options.ConnectTimeout,
            loggerFactory.CreateLogger("MultigresOrleans.Runtime.Transport"));
        var router = new GrainRouter(oracle, transport, local: null, timeProvider, Options.CallTimeout);
        return new ClusterClient(new RoutingGrainFactory(registry, router.RouteAsync), transport);
    }

    private static string DefaultGrainType(Type grainInterface)
    {
        var name = grainInterface.Name;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
            name = name[1..];
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
            name = name[..^"Grain".Length];
#pragma warning disable CA1308 // Grain type names are lower case by convention (same rule as for grain classes).
        return name.ToLowerInvariant();
#pragma warning restore CA1308
    }
}
