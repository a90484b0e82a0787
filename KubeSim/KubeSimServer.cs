using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using MultigresOrleans.KubeSim.Admission;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Config;
using MultigresOrleans.KubeSim.Controllers;
using MultigresOrleans.KubeSim.DataPlane;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Observability;
using MultigresOrleans.KubeSim.Security;
using MultigresOrleans.KubeSim.Storage;
using MultigresOrleans.KubeSim.Tables;

namespace MultigresOrleans.KubeSim;

/// <summary>
/// A running KubeSim: the HTTP(S) listeners, the in-memory store and registry, and the simulated
/// controllers. Start it in-process (tests) or from Program (sandbox); both bind loopback only.
/// </summary>
public sealed class KubeSimServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CertificateAuthority ca;
    private DataPlaneGrpcServer? dataPlaneGrpc;

    private KubeSimServer(WebApplication app, CertificateAuthority ca, KubeSimOptions options)
    {
        this.app = app;
        this.ca = ca;
        Options = options;
    }

    public KubeSimOptions Options { get; }

    /// <summary>The http://127.0.0.1:port base address (always served).</summary>
    public Uri HttpUrl { get; private set; } = null!;

    /// <summary>The https://127.0.0.1:port base address when HTTPS is enabled.</summary>
    public Uri? HttpsUrl { get; private set; }

    public string AdminToken => Services.GetRequiredService<TokenAuthenticator>().AdminToken;
    public TokenAuthenticator Tokens => Services.GetRequiredService<TokenAuthenticator>();
    public CertificateAuthority CertificateAuthority => ca;
    public ObjectStore Store => Services.GetRequiredService<ObjectStore>();
    public ResourceService Resources => Services.GetRequiredService<ResourceService>();
    public RequestCounters Counters => Services.GetRequiredService<RequestCounters>();
    public AuditLog Audit => Services.GetRequiredService<AuditLog>();
    public FaultInjector Faults => Options.Faults;

    /// <summary>The simulated Multigres data plane (fake multipoolers and multiorchs and their knobs); null unless <see cref="KubeSimOptions.DataPlaneEtcd"/> is set.</summary>
    public SimulatedDataPlane? DataPlane => Services.GetService<SimulatedDataPlane>();

    /// <summary>The bound port of the data plane's h2c gRPC listener on 127.0.0.1; null without a data plane.</summary>
    public int? DataPlaneGrpcPort => dataPlaneGrpc?.Port;
    public IServiceProvider Services => app.Services;

    /// <summary>Signalled when the host is asked to stop (SIGTERM, Ctrl+C), so Program can return.</summary>
    public CancellationToken Stopping => app.Lifetime.ApplicationStopping;

    /// <summary>A kubeconfig for this server (HTTPS context current when enabled).</summary>
    public string Kubeconfig => KubeconfigWriter.Render(HttpUrl.ToString().TrimEnd('/'), HttpsUrl?.ToString().TrimEnd('/'), HttpsUrl is null ? null : ca.CertificatePem, AdminToken);

    /// <summary>A kubeconfig that authenticates as service account <paramref name="ns"/>/<paramref name="name"/> (what a pod with that account would use).</summary>
    public string ServiceAccountKubeconfig(string ns, string name) =>
        KubeconfigWriter.Render(HttpUrl.ToString().TrimEnd('/'), HttpsUrl?.ToString().TrimEnd('/'), HttpsUrl is null ? null : ca.CertificatePem,
            Tokens.IssueServiceAccountToken(ns, name), ns);

    public static async Task<KubeSimServer> StartAsync(KubeSimOptions options, TimeProvider? time = null, Action<ILoggingBuilder>? logging = null, CancellationToken ct = default)
    {
        time ??= TimeProvider.System;
        // Certificates are judged by clients' real clocks, never by the simulated one.
        var ca = new CertificateAuthority(TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logging is not null)
            logging(builder.Logging);
        else
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            if (options.Https)
            {
                var serverCert = ca.IssueServerCertificate(TimeProvider.System, "kubesim");
                k.Listen(IPAddress.Loopback, options.HttpsPort, l => l.UseHttps(serverCert));
            }
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(time);
        services.AddSingleton(ca);
        services.AddSingleton(new ObjectStore(options.HistoryCapacity));
        services.AddSingleton<ResourceRegistry>();
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<RequestCounters>();
        services.AddSingleton(sp => new AuditLog(options.AuditLogPath, time, sp.GetRequiredService<ObjectStore>()));
        services.AddSingleton<AdmissionChain>();
        services.AddSingleton<ResourceService>();
        services.AddSingleton<TableConverter>();
        services.AddSingleton<DiscoveryEndpoints>();
        services.AddSingleton<OpenApiEndpoints>();
        services.AddSingleton<WatchEndpoint>();
        services.AddSingleton<ApiHandler>();
        services.AddHttpClient();
        if (options.SimulateControllers)
        {
            services.AddHostedService<GarbageCollector>();
            services.AddHostedService<SimulatedCluster>();
        }
        if (!string.IsNullOrWhiteSpace(options.DataPlaneEtcd))
        {
            services.AddSingleton<SimulatedDataPlane>();
            services.AddHostedService(sp => sp.GetRequiredService<SimulatedDataPlane>());
        }

        var app = builder.Build();
        var handler = app.Services.GetRequiredService<ApiHandler>();
        app.Run(handler.HandleAsync);

        var restored = options.SnapshotPath is { } snapshot
            && await SnapshotFile.LoadAsync(app.Services.GetRequiredService<ObjectStore>(), app.Services.GetRequiredService<ResourceRegistry>(), snapshot, ct);
        if (!restored)
            await Bootstrap.SeedAsync(app.Services.GetRequiredService<ResourceService>(), options, ct);

        var server = new KubeSimServer(app, ca, options);
        await app.StartAsync(ct);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        foreach (var address in addresses)
        {
            var uri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
            if (uri.Scheme == "https")
                server.HttpsUrl = uri;
            else
                server.HttpUrl = uri;
        }
        if (server.DataPlane is { } dataPlane)
            server.dataPlaneGrpc = await DataPlaneGrpcServer.StartAsync(dataPlane, options.DataPlaneGrpcPort, logging, ct);
        if (options.KubeconfigOut is { } path)
            await File.WriteAllTextAsync(path, server.Kubeconfig, ct);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (dataPlaneGrpc is not null)
            await dataPlaneGrpc.DisposeAsync();
        await app.StopAsync();
        if (Options.SnapshotPath is { } snapshot)
            await SnapshotFile.SaveAsync(Store, snapshot);
        await app.DisposeAsync();
        ca.Dispose();
    }
}
