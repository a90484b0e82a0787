using Microsoft.Extensions.Logging;
using MultigresOrleans.Runtime.Membership;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>Wires the HTTP/2 transport into a silo.</summary>
public static class Http2TransportExtensions
{
    /// <summary>
    /// Calls to other silos go over HTTP/2 (authenticated with the shared key), and this silo serves
    /// calls on <see cref="Http2TransportOptions.Listen"/> from when it starts until it stopped
    /// (<see cref="SiloHost.CallEndpoint"/> is the bound URI). Other silos are found through
    /// <see cref="Http2TransportOptions.Directory"/>, or the membership oracle when it is an <see cref="ISiloDirectory"/>.
    /// </summary>
    public static SiloHostBuilder UseHttp2Transport(this SiloHostBuilder builder, Action<Http2TransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new Http2TransportOptions();
        configure(options);
        var server = new Http2TransportServer(options); // validates the options now, not at start
        return builder
            .AddComponent(server)
            .UseTransport(context =>
            {
                var directory = options.Directory ?? context.Membership as ISiloDirectory
                    ?? throw new InvalidOperationException("UseHttp2Transport needs an ISiloDirectory: set Http2TransportOptions.Directory (e.g. a StaticSiloDirectory) or use a membership that implements ISiloDirectory");
                var transport = new RemoteGrainTransport(
                    directory,
                    options.SharedKey,
                    options.SerializerOptions,
                    context.Time,
                    context.Options.CallTimeout,
                    options.MaxRequestBodySize,
                    options.ConnectTimeout,
                    context.Loggers.CreateLogger("MultigresOrleans.Runtime.Transport"));
                builder.Own(transport);
                return transport;
            });
    }
}
