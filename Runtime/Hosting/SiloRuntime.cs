using System.Reflection;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Runtime.Introspection;
using MultigresOrleans.Runtime.Membership;
using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Reminders;

namespace MultigresOrleans.Runtime;

/// <summary>Everything one silo's activations share. Internal: the public face is <see cref="SiloHost"/>.</summary>
internal sealed class SiloRuntime
{
    private readonly IReadOnlyDictionary<string, IGrainStorage> storage;
    private volatile bool stopped;

    public SiloRuntime(
        SiloOptions options,
        GrainRegistry registry,
        IReadOnlyDictionary<string, IGrainStorage> storage,
        IReminderTable reminderTable,
        IMembershipOracle membership,
        IGrainTransport? transport,
        TimeProvider timeProvider,
        ILogger logger,
        Func<SiloRuntime, IServiceProvider> services)
    {
        Options = options;
        Registry = registry;
        this.storage = storage;
        Membership = membership;
        TimeProvider = timeProvider;
        Logger = logger;
        Catalog = new Catalog(this);
        Reminders = new ReminderService(this, reminderTable);
        Router = new GrainRouter(membership, transport, ReceiveAsync, timeProvider, options.CallTimeout);
        GrainFactory = new RoutingGrainFactory(registry, Router.RouteAsync);
        Services = services(this);
    }

    public SiloOptions Options { get; }

    public GrainRegistry Registry { get; }

    public IMembershipOracle Membership { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    public Catalog Catalog { get; }

    public ReminderService Reminders { get; }

    public GrainRouter Router { get; }

    public IGrainFactory GrainFactory { get; }

    public IServiceProvider Services { get; }

    /// <summary>Per-grain-type call counts and latency histograms (introspection), fed by <see cref="ReceiveAsync"/>.</summary>
    public CallStatistics CallStatistics { get; } = new();

    public bool IsStopped => stopped;

    /// <summary>Set by the remote transport once its server listens; published by the membership.</summary>
    public Uri? CallEndpoint { get; set; }

    public IGrainStorage GetStorage(string? name)
    {
        name ??= Options.DefaultStorageName;
        return storage.TryGetValue(name, out var provider)
            ? provider
            : throw new InvalidOperationException($"no grain storage named '{name}' is registered.");
    }

    public int PartitionOf(GrainId grainId) => PartitionHash.PartitionOf(grainId, Options.PartitionCount);

    /// <summary>After this, the silo refuses all work (stop or simulated crash).</summary>
    public void MarkStopped() => stopped = true;

    /// <summary>
    /// A call that arrived for a grain this silo should own. Refused with
    /// <see cref="GrainOwnershipMovedException"/> when the membership says otherwise (the caller then
    /// waits for a newer partition map and retries), so a silo never serves a partition it does not own.
    /// </summary>
    public async Task<object?> ReceiveAsync(GrainId grainId, GrainMethod method, object?[] args)
    {
        var started = TimeProvider.GetTimestamp();
        var tags = RuntimeMetrics.Tags(Options.SiloName, grainId);
        var failed = false;
        try
        {
            return await InvokeAsync(grainId, new WorkItem(WorkKind.Call, method.Name, method.ReadOnly, keepAlive: true, grain => method.Invoke(grain, args))).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not (GrainOwnershipMovedException or SiloUnavailableException))
        {
            failed = true;
            RuntimeMetrics.CallFailures.Add(1, tags);
            throw;
        }
        finally
        {
            var milliseconds = TimeProvider.GetElapsedTime(started).TotalMilliseconds;
            RuntimeMetrics.Calls.Add(1, tags);
            RuntimeMetrics.CallDuration.Record(milliseconds, tags);
            CallStatistics.Record(grainId.Type, milliseconds, failed);
        }
    }

    /// <summary>Delivers work to the grain's local activation (creating it if needed) and waits, up to the call timeout, for the result.</summary>
    public async Task<object?> InvokeAsync(GrainId grainId, WorkItem item)
    {
        await EnqueueAsync(grainId, item).ConfigureAwait(false);
        try
        {
            return await item.Completion.WaitAsync(Options.CallTimeout, TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException exception) when (!item.Completion.IsCompleted)
        {
            throw new TimeoutException($"{item.Name} on {grainId} did not complete within {Options.CallTimeout} (SiloOptions.CallTimeout)", exception);
        }
    }

    /// <summary>Re-delivers work that was queued on an activation that then deactivated.</summary>
    public void Forward(GrainId grainId, WorkItem item) => _ = ForwardAsync(grainId, item);

    /// <summary>Deactivates every local activation in <paramref name="partitions"/> and waits until they are gone (the drain step of a handoff).</summary>
    public async Task DrainAsync(IReadOnlySet<int> partitions, CancellationToken cancellationToken)
    {
        Reminders.StopPartitions(partitions);
        var reason = new DeactivationReason(DeactivationReasonCode.ShuttingDown, "partition handed off");
        var draining = Catalog.Snapshot().Where(a => partitions.Contains(PartitionOf(a.GrainId))).ToList();
        foreach (var activation in draining)
            activation.RequestDeactivation(reason);
        await Task.WhenAll(draining.Select(a => a.Deactivated)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reacts to a new partition map: lets go of partitions no longer owned, loads reminders of gained ones.</summary>
    public void OnMapChanged(PartitionMap map)
    {
        var lost = Enumerable.Range(0, map.PartitionCount).Where(p => !Membership.IsOwnedLocally(p)).ToHashSet();
        _ = InBackground(DrainAsync(lost, CancellationToken.None), map);
        _ = InBackground(Reminders.LoadOwnedAsync(CancellationToken.None), map);
    }

    private async Task InBackground(Task work, PartitionMap map)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A background reaction to a map change must not crash the process; it is logged.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.MapChangeFailed(Logger, map.Version, exception);
        }
    }

    private async Task ForwardAsync(GrainId grainId, WorkItem item)
    {
        try
        {
            await EnqueueAsync(grainId, item).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The failure belongs to the waiting caller, not to this background forward.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            item.Fail(exception);
        }
    }

    private async Task EnqueueAsync(GrainId grainId, WorkItem item)
    {
        while (true)
        {
            if (stopped)
                throw new SiloUnavailableException(Options.SiloName);
            if (!Membership.IsOwnedLocally(PartitionOf(grainId)))
            {
                (Membership as IRefreshableMembership)?.RequestRefresh();
                throw new GrainOwnershipMovedException(grainId, Options.SiloName);
            }

            if (Catalog.TryDeliver(grainId, item, out var activation))
                return;
            await activation.Deactivated.ConfigureAwait(false);
        }
    }
}

/// <summary>Makes typed references whose calls go through a <see cref="GrainCaller"/>.</summary>
internal sealed class RoutingGrainFactory(GrainRegistry registry, GrainCaller caller) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(primaryKey);
        var metadata = registry.Interface(typeof(TGrainInterface));
        var proxy = DispatchProxy.Create<TGrainInterface, GrainReference>();
        ((GrainReference)(object)proxy).Initialize(caller, metadata, new GrainId(metadata.GrainType, primaryKey));
        return proxy;
    }
}
