using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Cells;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Grains.Clusters;
using MultigresOrleans.Grains.DataPlane;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Grains.Pods;
using MultigresOrleans.Grains.Shards;
using MultigresOrleans.Grains.TableGroups;
using MultigresOrleans.Grains.TemplateGrains;
using MultigresOrleans.Grains.TopoServers;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Informers;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime;
using MultigresOrleans.Runtime.Membership.Kubernetes;
using MultigresOrleans.Runtime.Storage;
using MultigresOrleans.Runtime.Storage.Kubernetes;
using MultigresOrleans.Runtime.Transport;
using MultigresOrleans.Silo.Dispatch;

namespace MultigresOrleans.Silo;

/// <summary>
/// One operator replica: the grain runtime (Lease membership, HTTP/2 calls, grain state in
/// ConfigMaps), the operator's grains, the informers and the dispatcher that turns their events into
/// reconciles of the grains this silo owns, and the health endpoints. Start order: informers sync,
/// the silo joins (and gets partitions), then every cached object is offered to the dispatcher once,
/// so each owned grain reconciles after a start or an ownership move without waiting for an event.
/// </summary>
public sealed partial class OperatorSilo : IAsyncDisposable
{
    private readonly SiloSettings _settings;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly KubernetesClient _api;
    private readonly KubernetesClient _membershipApi;
    private readonly ObservedState _observed;
    private readonly TopologyConnections _topology;
    private readonly MultipoolerClient _dataPlane;
    private readonly Applier _applier;
    private readonly SiloHost _silo;
    private readonly ReconcileDispatcher _dispatcher;
    private WebApplication? _health;
    private volatile bool _started;

    public OperatorSilo(SiloSettings settings, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _loggers = loggers;
        _logger = loggers.CreateLogger<OperatorSilo>();
        time ??= TimeProvider.System;
        var config = settings.Kubeconfig is { } file ? KubernetesClientConfiguration.FromKubeConfigFile(file) : KubernetesClientConfiguration.Default();
        _api = new KubernetesClient(config, new KubernetesClientOptions(), loggerFactory: loggers);
        // Membership must see failures at once (no retries): its deadlines are what fence a cut-off silo.
        _membershipApi = new KubernetesClient(config, new KubernetesClientOptions { MaxRetries = 0 }, loggerFactory: loggers);
        var resources = new OperatorResources(_api);
        _observed = new ObservedState(resources);
        var options = new OperatorOptions
        {
            Instance = settings.SiloName,
            ImageUpdateStrategy = settings.ImageUpdateStrategy,
            TopologyAddressFallback = settings.TopologyDial,
            QuarantineMinimumAge = settings.QuarantineMinimumAge ?? ShardDataPlaneDecisions.QuarantineMinimumAge,
            DeadPoolerGrace = settings.DeadPoolerGrace ?? Grains.Topology.TopologyRecords.DeadPoolerGrace,
        };
        _topology = new TopologyConnections(options, time, loggers);

        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        json.TypeInfoResolverChain.Add(OperatorGrainsJsonContext.Default);
        json.TypeInfoResolverChain.Add(PodGrainsJsonContext.Default);
        json.TypeInfoResolverChain.Add(CertificateGrainsJsonContext.Default);
        var stateJson = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        stateJson.TypeInfoResolverChain.Add(PodGrainsJsonContext.Default);
        var stateSerializer = new GrainStateSerializer(stateJson);
        var builder = new SiloHostBuilder()
            .Configure(o => o.SiloName = settings.SiloName)
            .UseLoggerFactory(loggers)
            .UseTimeProvider(time)
            .AddGrain<IClusterGrain, ClusterGrain>()
            .AddGrain<ICellGrain, CellGrain>()
            .AddGrain<ITableGroupGrain, TableGroupGrain>()
            .AddGrain<ITopoServerGrain, TopoServerGrain>()
            .AddGrain<IShardGrain, ShardGrain>()
            .AddGrain<ITemplateGrain, TemplateGrain>()
            .AddGrain<IPodGrain, PodGrain>()
            .AddGrain<ICertificateGrain, CertificateGrain>()
            .UseKubernetesMembership(_membershipApi, o =>
            {
                o.Namespace = settings.Namespace;
                o.ClusterName = settings.ClusterName;
            }, loggers)
            .UseHttp2Transport(o =>
            {
                o.SharedKey = File.ReadAllBytes(settings.KeyFile);
                // An optional Secret key is an absent file: no rotation in progress.
                if (settings.AdditionalKeyFile is { } extra && File.Exists(extra))
                    o.AdditionalKeys.Add(File.ReadAllBytes(extra));
                o.Listen = settings.Listen;
                o.AdvertisedEndpoint = settings.Advertise;
                o.SerializerOptions = json;
            });
        if (settings.BlobConnectionString is { } blob)
        {
            builder.AddAzureBlobGrainStorage("Default", o =>
            {
                o.ConnectionString = blob;
                o.ContainerName = settings.ClusterName + "-grains";
                o.Serializer = stateSerializer;
            });
            builder.UseAzureBlobReminders(o =>
            {
                o.ConnectionString = blob;
                o.ContainerName = settings.ClusterName + "-reminders";
            });
        }
        else
        {
            builder.AddKubernetesGrainStorage("Default", o =>
            {
                o.Client = _api;
                o.Namespace = settings.Namespace;
                o.Serializer = stateSerializer;
            });
            builder.UseKubernetesReminders(o =>
            {
                o.Client = _api;
                o.Namespace = settings.Namespace;
            });
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(resources);
        builder.Services.AddSingleton(_observed);
        builder.Services.AddSingleton(_topology);
        var dial = settings.DataPlaneDial;
        _dataPlane = new MultipoolerClient(new MultipoolerClientOptions
        {
            AddressOverride = dial is null ? null : (_, _) => new UriBuilder("http", dial.Host, dial.Port).Uri,
            Tls = settings.InternalTlsDirectory is { } tlsDirectory ? InternalTlsFiles.Options(tlsDirectory) : null,
        }, loggers.CreateLogger<MultipoolerClient>(), time);
        builder.Services.AddSingleton<IMultipoolerClient>(_dataPlane);
        _applier = new Applier(options.FieldManager, loggers.CreateLogger<Applier>());
        builder.Services.AddSingleton(_applier);
        builder.Services.AddSingleton(new EventRecorder(resources, time, settings.SiloName, loggers.CreateLogger<EventRecorder>()));
        builder.Services.AddSingleton(OperatorEnvironment.FromEnvironment(Environment.GetEnvironmentVariable));
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        _silo = builder.Build();
        _silo.Fenced += reason => Fenced?.Invoke(reason);
        _dispatcher = new ReconcileDispatcher(Owns, ReconcileAsync, time, loggers.CreateLogger<ReconcileDispatcher>());
    }

    /// <summary>Raised when the silo lost its lease and stopped serving; the process should exit.</summary>
    public event Action<string>? Fenced;

    public SiloHost Host => _silo;

    public ReconcileDispatcher Dispatcher => _dispatcher;

    /// <summary>Ready: informers synced, the silo joined and it serves at least one partition.</summary>
    public bool IsReady => _started && _observed.HasSynced
        && Enumerable.Range(0, _silo.Membership.CurrentMap.PartitionCount).Any(_silo.Membership.IsOwnedLocally);

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await StartHealthAsync(cancellationToken).ConfigureAwait(false);
        Subscribe(_observed.Clusters);
        Subscribe(_observed.CoreTemplates);
        Subscribe(_observed.CellTemplates);
        Subscribe(_observed.ShardTemplates);
        Subscribe(_observed.Cells);
        Subscribe(_observed.TableGroups);
        Subscribe(_observed.TopoServers);
        Subscribe(_observed.Shards);
        Subscribe(_observed.Deployments);
        Subscribe(_observed.StatefulSets);
        Subscribe(_observed.Services);
        Subscribe(_observed.Pods);
        Subscribe(_observed.Pvcs);
        Subscribe(_observed.Pdbs);
        Subscribe(_observed.ConfigMaps);
        _observed.Start();
        await _observed.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await _silo.StartAsync(cancellationToken).ConfigureAwait(false);
        _silo.Membership.MapChanged += _ => OfferEverything();
        _started = true;
        OfferEverything();
        // The webhook PKI's hourly rotation reminder (idempotent, durable): make sure it exists.
        _ = CertificateGrainStartup.EnsureReminderAsync(_silo.GrainFactory, _settings.Namespace, _logger);
        Log.Started(_logger, _settings.SiloName, _silo.CallEndpoint?.ToString() ?? "");
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _dispatcher.DisposeAsync().ConfigureAwait(false);
        await _silo.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _dispatcher.DisposeAsync().ConfigureAwait(false);
        await _silo.DisposeAsync().ConfigureAwait(false);
        await _observed.DisposeAsync().ConfigureAwait(false);
        if (_health is not null)
            await _health.DisposeAsync().ConfigureAwait(false);
        _topology.Dispose();
        _dataPlane.Dispose();
        _api.Dispose();
        _membershipApi.Dispose();
    }

    private void Subscribe<T>(SharedInformer<T> informer) where T : class, IKubernetesObject =>
        informer.AddEventHandler(new ResourceEventHandler<T>
        {
            Added = (obj, _) => Offer(obj),
            Updated = (_, now) => Offer(now),
            Deleted = obj =>
            {
                // The applier remembers what it applied per object; a long-lived silo would otherwise
                // keep an entry for every object it ever applied, and a recreated one must be applied.
                _applier.Forget(informer.Resource.Plural, obj.Metadata);
                Offer(obj);
            },
        });

    private void Offer(IKubernetesObject obj)
    {
        if (!_started)
            return; // the initial offer after the silo joined covers everything cached before
        foreach (var target in EventRouting.For(obj))
            _dispatcher.Enqueue(target);
    }

    /// <summary>Offer every cached object: after start and after every partition map change, so grains this silo just gained reconcile.</summary>
    private void OfferEverything()
    {
        foreach (var o in _observed.Clusters.Cache.List()) Offer(o);
        foreach (var o in _observed.Cells.Cache.List()) Offer(o);
        foreach (var o in _observed.TableGroups.Cache.List()) Offer(o);
        foreach (var o in _observed.TopoServers.Cache.List()) Offer(o);
        foreach (var o in _observed.Shards.Cache.List()) Offer(o);
    }

    private bool Owns(GrainTarget target) => target.Kind switch
    {
        GrainKind.Cluster => _silo.OwnsGrain<IClusterGrain>(target.Key),
        GrainKind.Cell => _silo.OwnsGrain<ICellGrain>(target.Key),
        GrainKind.TableGroup => _silo.OwnsGrain<ITableGroupGrain>(target.Key),
        GrainKind.TopoServer => _silo.OwnsGrain<ITopoServerGrain>(target.Key),
        GrainKind.Shard => _silo.OwnsGrain<IShardGrain>(target.Key),
        GrainKind.Template => _silo.OwnsGrain<ITemplateGrain>(target.Key),
        _ => false,
    };

    private async Task<ReconcileResult> ReconcileAsync(GrainTarget target)
    {
        var grains = _silo.GrainFactory;
        switch (target.Kind)
        {
            case GrainKind.Cluster: return await grains.GetGrain<IClusterGrain>(target.Key).Reconcile().ConfigureAwait(false);
            case GrainKind.Cell: return await grains.GetGrain<ICellGrain>(target.Key).Reconcile().ConfigureAwait(false);
            case GrainKind.TableGroup: return await grains.GetGrain<ITableGroupGrain>(target.Key).Reconcile().ConfigureAwait(false);
            case GrainKind.TopoServer: return await grains.GetGrain<ITopoServerGrain>(target.Key).Reconcile().ConfigureAwait(false);
            case GrainKind.Shard: return await grains.GetGrain<IShardGrain>(target.Key).Reconcile().ConfigureAwait(false);
            case GrainKind.Template:
                await grains.GetGrain<ITemplateGrain>(target.Key).Changed().ConfigureAwait(false);
                return ReconcileResult.Done;
            default:
                return ReconcileResult.Done;
        }
    }

    private async Task StartHealthAsync(CancellationToken cancellationToken)
    {
        var web = WebApplication.CreateSlimBuilder();
        web.Logging.ClearProviders();
        web.WebHost.ConfigureKestrel(k => k.ListenAnyIP(_settings.HealthPort));
        _health = web.Build();
        _health.MapGet("/healthz", () => Results.Text("ok"));
        _health.MapGet("/readyz", () => IsReady ? Results.Text("ok") : Results.Text("not ready", statusCode: StatusCodes.Status503ServiceUnavailable));
        await _health.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "silo {Silo} started; grain calls at {Endpoint}")]
        public static partial void Started(ILogger logger, string silo, string endpoint);
    }
}
