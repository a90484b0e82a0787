using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Runtime.Introspection;
using MultigresOrleans.Runtime.Membership;
using MultigresOrleans.Runtime.Reminders;

namespace MultigresOrleans.Runtime;

/// <summary>
/// A silo: hosts activations of the registered grains, runs their timers, fires the reminders of the
/// partitions it owns and collects idle activations. Start it, use <see cref="GrainFactory"/>, and
/// stop (or dispose) it to deactivate everything gracefully.
/// </summary>
public sealed class SiloHost : IAsyncDisposable
{
    private readonly SiloRuntime runtime;
    private readonly Lock gate = new();
    private ITimer? collector;
    private IDisposable? gauges;
    private bool started;
    private bool stopped;

    private readonly IReadOnlyList<IDisposable> owned;

    // --- remote transport hook (Runtime/Transport): components such as the HTTP/2 call server.
    private readonly IReadOnlyList<Transport.ISiloComponent> components;

    internal SiloHost(SiloRuntime runtime, IReadOnlyList<IDisposable> owned, IReadOnlyList<Transport.ISiloComponent>? components = null)
    {
        this.runtime = runtime;
        this.owned = owned;
        this.components = components ?? [];
        Introspection = new SiloIntrospection(runtime, LifecycleStatus);
    }

    public string SiloName => runtime.Options.SiloName;

    public IGrainFactory GrainFactory => runtime.GrainFactory;

    public IMembershipOracle Membership => runtime.Membership;

    /// <summary>Current number of activations (including ones activating or deactivating).</summary>
    public int ActivationCount => runtime.Catalog.Count;

    /// <summary>Activations that completed OnActivateAsync since start.</summary>
    public long TotalActivations => runtime.Catalog.TotalActivated;

    /// <summary>Activations that completed deactivation since start.</summary>
    public long TotalDeactivations => runtime.Catalog.TotalDeactivated;

    /// <summary>Reminders currently scheduled on this silo.</summary>
    public int LocalReminderCount => runtime.Reminders.LocalCount;

    internal SiloRuntime Runtime => runtime;

    /// <summary>Snapshots of this silo and its grains for dashboards and metrics (see Runtime/README.md, "Introspection").</summary>
    public SiloIntrospection Introspection { get; }

    /// <summary>Where this silo accepts grain calls from other silos and clients (null without a remote transport).</summary>
    public Uri? CallEndpoint => runtime.CallEndpoint;

    /// <summary>
    /// Raised once when the membership fenced this silo (it could not renew its Lease in time). The
    /// silo serves nothing from then on; a process should exit non-zero so Kubernetes restarts it.
    /// </summary>
    public event Action<string>? Fenced;

    private void OnFenced(string reason) => Fenced?.Invoke(reason);

    /// <summary>Live activations per grain type on this silo.</summary>
    public IReadOnlyDictionary<string, int> ActivationCountsByType() => runtime.Catalog.CountByType();

    /// <summary>True if <paramref name="grainId"/> has an activation here right now.</summary>
    public bool IsActive(GrainId grainId) => runtime.Catalog.TryGet(grainId, out _);

    /// <summary>
    /// True when this silo serves the grain <typeparamref name="TGrainInterface"/>/<paramref name="primaryKey"/>
    /// right now. Lets a silo that watches the whole cluster act only on the events of the grains it
    /// owns, instead of every silo calling every grain for every event.
    /// </summary>
    public bool OwnsGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
    {
        var grainId = new GrainId(runtime.Registry.Interface(typeof(TGrainInterface)).GrainType, primaryKey);
        return runtime.Membership.IsOwnedLocally(runtime.PartitionOf(grainId));
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (started)
                throw new InvalidOperationException("the silo was already started");
            started = true;
        }

        gauges = RuntimeMetrics.Observe(runtime);
        runtime.Membership.MapChanged += runtime.OnMapChanged;
        foreach (var component in components) // remote transport hook: listen (and set CallEndpoint) before joining
            await component.StartAsync(runtime, cancellationToken).ConfigureAwait(false);
        // Membership that must join a cluster (Leases) does so once the call endpoint listens, so
        // the endpoint it publishes is already reachable.
        if (runtime.Membership is IMembershipLifecycle lifecycle)
        {
            lifecycle.Fenced += OnFenced;
            await lifecycle.JoinAsync(new MembershipJoin(CallEndpoint, runtime.DrainAsync), cancellationToken).ConfigureAwait(false);
        }

        var reminders = await runtime.Reminders.LoadOwnedAsync(cancellationToken).ConfigureAwait(false);
        var quantum = runtime.Options.CollectionQuantum;
        collector = runtime.TimeProvider.CreateTimer(static s => ((SiloHost)s!).CollectIdle(), this, quantum, quantum);
        var ownedPartitions = Enumerable.Range(0, runtime.Options.PartitionCount).Count(runtime.Membership.IsOwnedLocally);
        Log.SiloStarted(runtime.Logger, SiloName, ownedPartitions, reminders);
    }

    /// <summary>Runs one idle-collection pass now (the collector timer does this every CollectionQuantum).</summary>
    public int CollectIdleActivations() =>
        runtime.Catalog.CollectIdle(runtime.TimeProvider.GetUtcNow() - runtime.Options.CollectionAge);

    /// <summary>
    /// Graceful stop: with cluster membership, first hands this silo's partitions to other silos
    /// (bounded), then stops timers and reminders and deactivates every activation that is left
    /// (OnDeactivateAsync runs for each), then releases its Leases.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (stopped)
                return;
            stopped = true;
        }

        if (runtime.Membership is IMembershipLifecycle lifecycle)
            await lifecycle.LeaveAsync(() => StopServingAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        else
            await StopServingAsync(cancellationToken).ConfigureAwait(false);
        foreach (var component in components) // remote transport hook: stop listening last (calls meanwhile are refused as SiloUnavailable)
            await component.StopAsync(cancellationToken).ConfigureAwait(false);
        gauges?.Dispose();
    }

    /// <summary>The host's lifecycle where it overrides the membership's view of this silo (introspection).</summary>
    private string? LifecycleStatus()
    {
        lock (gate)
        {
            return stopped ? "Stopped" : started ? null : "Created";
        }
    }

    private async Task StopServingAsync(CancellationToken cancellationToken)
    {
        runtime.Membership.MapChanged -= runtime.OnMapChanged;
        if (collector is not null)
            await collector.DisposeAsync().ConfigureAwait(false);
        await runtime.Reminders.DisposeAsync().ConfigureAwait(false);
        runtime.MarkStopped(); // new work is refused from here on; callers retry elsewhere once the map changes
        var activations = runtime.Catalog.Snapshot();
        var reason = new DeactivationReason(DeactivationReasonCode.ShuttingDown, "silo stopping");
        foreach (var activation in activations)
            activation.RequestDeactivation(reason);
        await Task.WhenAll(activations.Select(a => a.Deactivated)).WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.SiloStopped(runtime.Logger, SiloName, activations.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        gauges?.Dispose(); // also when a failed StopAsync did not get that far
        foreach (var component in components) // remote transport hook
            await component.DisposeAsync().ConfigureAwait(false);
        if (runtime.Membership is IAsyncDisposable membership)
            await membership.DisposeAsync().ConfigureAwait(false);
        foreach (var resource in owned)
            resource.Dispose();
    }

    /// <summary>Simulates a crash: the silo stops serving at once; no OnDeactivateAsync runs and nothing is handed off.</summary>
    internal async Task KillAsync()
    {
        lock (gate)
        {
            if (stopped)
                return;
            stopped = true;
        }

        runtime.MarkStopped();
        gauges?.Dispose();
        runtime.Membership.MapChanged -= runtime.OnMapChanged;
        if (runtime.Membership is Membership.Kubernetes.KubernetesMembership leases)
            await leases.AbandonAsync().ConfigureAwait(false); // Like a dead process: the Leases just stop being renewed.
        if (collector is not null)
            await collector.DisposeAsync().ConfigureAwait(false);
        await runtime.Reminders.DisposeAsync().ConfigureAwait(false);
        foreach (var activation in runtime.Catalog.Snapshot())
            activation.Abandon();
        foreach (var component in components) // remote transport hook: a crash drops connections at once
            await component.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
    }

    private void CollectIdle()
    {
        try
        {
            CollectIdleActivations();
        }
#pragma warning disable CA1031 // The collector is a background loop: log and try again next quantum.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.CollectionFailed(runtime.Logger, exception);
        }
    }
}

/// <summary>Composes a <see cref="SiloHost"/>: grains, storage providers, reminder table, clock, logging, membership.</summary>
public sealed class SiloHostBuilder
{
    private readonly GrainRegistry registry = new();
    private readonly Dictionary<string, IGrainStorage> storage = new(StringComparer.Ordinal);
    private IReminderTable? reminderTable;
    private TimeProvider timeProvider = TimeProvider.System;
    private ILoggerFactory loggerFactory = NullLoggerFactory.Instance;
    private Func<SiloOptions, IMembershipOracle>? membership;
    private IGrainTransport? transport;
    private readonly List<IDisposable> owned = [];

    // --- remote transport hook (Runtime/Transport)
    private Func<Transport.TransportContext, IGrainTransport>? transportFactory;
    private readonly List<Transport.ISiloComponent> components = [];
    // --- end remote transport hook

    public SiloOptions Options { get; } = new();

    /// <summary>Services grain constructors may take (besides IGrainFactory, TimeProvider and ILogger&lt;T&gt;, which the silo adds).</summary>
    public IServiceCollection Services { get; } = new ServiceCollection();

    public SiloHostBuilder Configure(Action<SiloOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Options);
        return this;
    }

    public SiloHostBuilder AddGrain<TGrainInterface, TGrain>()
        where TGrainInterface : IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        registry.Add(typeof(TGrainInterface), typeof(TGrain));
        return this;
    }

    public SiloHostBuilder AddGrainStorage(string name, IGrainStorage provider)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(provider);
        storage[name] = provider;
        return this;
    }

    public SiloHostBuilder AddMemoryGrainStorage(string name = "Default") => AddGrainStorage(name, new MemoryGrainStorage());

    public SiloHostBuilder UseReminderTable(IReminderTable table)
    {
        reminderTable = table;
        return this;
    }

    public SiloHostBuilder UseTimeProvider(TimeProvider provider)
    {
        timeProvider = provider;
        return this;
    }

    public SiloHostBuilder UseLoggerFactory(ILoggerFactory factory)
    {
        loggerFactory = factory;
        return this;
    }

    /// <summary>Replaces the single-silo <see cref="LocalMembershipOracle"/> (the seam for Lease-based membership).</summary>
    public SiloHostBuilder UseMembership(Func<SiloOptions, IMembershipOracle> factory)
    {
        membership = factory;
        return this;
    }

    /// <summary>Providers the builder created (from options) are disposed with the silo; instances passed in stay the caller's.</summary>
    internal SiloHostBuilder Own(IDisposable resource)
    {
        owned.Add(resource);
        return this;
    }

    /// <summary>How calls reach other silos (the in-process cluster's direct calls; later HTTP/2).</summary>
    internal SiloHostBuilder UseTransport(IGrainTransport grainTransport)
    {
        transport = grainTransport;
        return this;
    }

    // --- remote transport hook (Runtime/Transport)

    /// <summary>Like <see cref="UseTransport(IGrainTransport)"/>, for a transport that needs the built silo's clock, membership and options.</summary>
    internal SiloHostBuilder UseTransport(Func<Transport.TransportContext, IGrainTransport> factory)
    {
        transportFactory = factory;
        return this;
    }

    /// <summary>A component started early in <see cref="SiloHost.StartAsync"/> (before membership joins) and stopped at the end of <see cref="SiloHost.StopAsync"/>.</summary>
    internal SiloHostBuilder AddComponent(Transport.ISiloComponent component)
    {
        components.Add(component);
        return this;
    }

    // --- end remote transport hook

    public SiloHost Build()
    {
        var options = Options;
        var oracle = membership?.Invoke(options) ?? new LocalMembershipOracle(options.SiloName, options.PartitionCount);
        if (oracle.CurrentMap.PartitionCount != options.PartitionCount)
            throw new InvalidOperationException($"the membership's partition map has {oracle.CurrentMap.PartitionCount} partitions but SiloOptions.PartitionCount is {options.PartitionCount}");
        var table = reminderTable ?? new InMemoryReminderTable(options.PartitionCount);
        if (table.PartitionCount != options.PartitionCount)
            throw new InvalidOperationException($"the reminder table has {table.PartitionCount} partitions but SiloOptions.PartitionCount is {options.PartitionCount}");
        var callTransport = transport ?? transportFactory?.Invoke(new Transport.TransportContext(options, oracle, timeProvider, loggerFactory)); // remote transport hook
        var services = new ServiceCollection();
        foreach (var descriptor in Services)
            ((ICollection<ServiceDescriptor>)services).Add(descriptor);
        var runtime = new SiloRuntime(
            options,
            registry,
            new Dictionary<string, IGrainStorage>(storage, StringComparer.Ordinal),
            table,
            oracle,
            callTransport,
            timeProvider,
            loggerFactory.CreateLogger("MultigresOrleans.Runtime"),
            rt =>
            {
                services.AddSingleton(rt.GrainFactory);
                services.AddSingleton(timeProvider);
                services.AddSingleton(loggerFactory);
                services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
                return services.BuildServiceProvider();
            });
        return new SiloHost(runtime, [.. owned], [.. components]);
    }
}

/// <summary>Registration helpers for the Azure Blob providers.</summary>
public static class AzureBlobSiloHostBuilderExtensions
{
    /// <summary>Adds Azure Blob grain storage under <paramref name="name"/>.</summary>
    public static SiloHostBuilder AddAzureBlobGrainStorage(this SiloHostBuilder builder, string name, Action<Storage.Blob.AzureBlobStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new Storage.Blob.AzureBlobStorageOptions();
        configure(options);
        var storage = new Storage.Blob.AzureBlobGrainStorage(options);
        return builder.Own(storage).AddGrainStorage(name, storage);
    }

    /// <summary>Keeps reminders in Azure Blob Storage (one blob per placement partition).</summary>
    public static SiloHostBuilder UseAzureBlobReminders(this SiloHostBuilder builder, Action<Storage.Blob.AzureBlobStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new Storage.Blob.AzureBlobStorageOptions { ContainerName = "reminders" };
        configure(options);
        var table = new Storage.Blob.BlobReminderTable(options, builder.Options.PartitionCount);
        return builder.Own(table).UseReminderTable(table);
    }
}
