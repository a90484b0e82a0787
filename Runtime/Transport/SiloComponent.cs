using Microsoft.Extensions.Logging;
using MultigresOrleans.Runtime.Membership;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>Something started and stopped with a silo (the HTTP/2 call server). Hooked into <see cref="SiloHost"/>.</summary>
internal interface ISiloComponent : IAsyncDisposable
{
    /// <summary>The URI other silos and clients call; null until started.</summary>
    Uri? Endpoint { get; }

    /// <summary>Runs early in <see cref="SiloHost.StartAsync"/>, before membership joins (which publishes the endpoint).</summary>
    Task StartAsync(SiloRuntime runtime, CancellationToken cancellationToken);

    /// <summary>Runs at the end of <see cref="SiloHost.StopAsync"/>; an already cancelled token means "abort now" (simulated crash).</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>What a transport factory gets from <see cref="SiloHostBuilder.Build"/>.</summary>
internal sealed record TransportContext(SiloOptions Options, IMembershipOracle Membership, TimeProvider Time, ILoggerFactory Loggers);
