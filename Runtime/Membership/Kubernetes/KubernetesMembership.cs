using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Informers;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Membership.Kubernetes;

/// <summary>
/// Membership and partition ownership on Kubernetes Leases (see Runtime/README.md, "Membership on
/// Leases", for the protocol and its invariant).
/// <list type="bullet">
/// <item>Each silo incarnation holds the Lease <c>&lt;cluster&gt;-silo-&lt;silo&gt;</c> (holder identity
/// <c>&lt;silo&gt;/&lt;incarnation&gt;</c>), renews it every <see cref="KubernetesMembershipOptions.RenewInterval"/>
/// and publishes there its call endpoint, whether it is leaving and the newest handoff it drained.</item>
/// <item>It serves a partition only while the newest map it saw names it, no handoff is pending for
/// the partition, and its own Lease is valid by its own clock: (start of its last successful renewal) +
/// LeaseDuration − SafetyMargin. Past that it fences itself for good (the host should exit).</item>
/// <item>One silo holds the leader Lease and writes the map (a ConfigMap, compare-and-swap on its
/// resourceVersion) with <see cref="OwnershipPlanner"/>. It judges another silo gone when its Lease was
/// deleted, changed holder, or — by the leader's own clock — has not changed for LeaseDuration since the
/// leader saw it change and a fresh read confirms it is still the same version. Timestamps in Leases are
/// never compared across machines, so only clock <em>rate</em> drift (bounded by the margin) matters.</item>
/// </list>
/// In client mode (<see cref="ForClient"/>) it only watches the map and the Leases: it routes, hosts nothing, writes nothing.
/// </summary>
public sealed partial class KubernetesMembership : IMembershipOracle, ISiloDirectory, IMembershipLifecycle, IRefreshableMembership, IMembershipIntrospection, IAsyncDisposable
{
    internal const string ClusterLabel = "runtime.multigres.io/cluster";
    internal const string RoleLabel = "runtime.multigres.io/role";
    internal const string EndpointAnnotation = "runtime.multigres.io/endpoint";
    internal const string LeavingAnnotation = "runtime.multigres.io/leaving";
    internal const string DrainedAnnotation = "runtime.multigres.io/drained-version";

    private readonly KubernetesMembershipOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly bool hostsGrains;
    private readonly ResourceClient<Lease> leases;
    private readonly ResourceClient<ConfigMap> configMaps;
    private readonly SharedInformer<Lease> leaseInformer;
    private readonly SharedInformer<ConfigMap> mapInformer;
    private readonly ConcurrentDictionary<string, Observation> observed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Uri> endpoints = new(StringComparer.Ordinal);
    private readonly WorkSignal coordinateSignal = new();
    private readonly WorkSignal renewSignal = new();
    private readonly SemaphoreSlim leaderGate = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock stateGate = new();
    private volatile MapState current;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MembershipJoin? join;

    // The silo's own Lease (renew loop) and state the coordinate loop publishes through it.
    private Lease? ownLease;
    private long lastRenewStart;
    private volatile bool joined;
    private volatile bool fenced;
    private volatile bool leaving;
    private volatile bool released;
    private long drainedVersion;
    private Task? drainTask;

    // The leader Lease, under leaderGate.
    private Lease? leaderLease;
    private long leaderRenewStart;

    private ITimer? renewTimer;
    private ITimer? fenceTimer;
    private ITimer? wakeTimer;
    private Task? coordinateLoop;
    private Task? renewLoop;
    private bool started;
    private int refreshRequested;
    private int resyncRequested;
    private long lastRefresh;
    private bool disposed;

    private KubernetesMembership(KubernetesClient client, KubernetesMembershipOptions options, string siloName, int partitionCount, bool hostsGrains, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(siloName);
        options.Validate(siloName);
        this.options = options;
        this.hostsGrains = hostsGrains;
        this.logger = logger;
        time = client.TimeProvider;
        SiloName = hostsGrains ? $"{siloName}/{Guid.NewGuid().ToString("N")[..8]}" : siloName;
        PlainSiloName = siloName;
        leases = client.Resource(KnownResources.Leases, KubernetesJsonContext.Default.Lease);
        configMaps = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        leaseInformer = new SharedInformer<Lease>(leases, new InformerOptions { Namespace = options.Namespace, LabelSelector = $"{ClusterLabel}={options.ClusterName}" });
        mapInformer = new SharedInformer<ConfigMap>(configMaps, new InformerOptions { Namespace = options.Namespace, LabelSelector = $"{ClusterLabel}={options.ClusterName},{RoleLabel}=partition-map" });
        leaseInformer.AddEventHandler(new Handler<Lease>(OnLease, OnLeaseDeleted));
        mapInformer.AddEventHandler(new Handler<ConfigMap>(OnMap, _ => { }));
        var empty = OwnershipDocument.Empty(partitionCount);
        current = new MapState(empty, null, FrozenSet<int>.Empty);
    }

    /// <summary>A silo's membership. The client should not retry on its own (<c>MaxRetries = 0</c>): renewals have their own schedule.</summary>
    public static KubernetesMembership ForSilo(KubernetesClient client, KubernetesMembershipOptions options, string siloName, int partitionCount, ILogger logger) =>
        new(client, options, siloName, partitionCount, hostsGrains: true, logger);

    /// <summary>A read-only view for clients (webhooks, CLIs): follows the map and the silos' endpoints. Call <see cref="StartAsync"/>.</summary>
    public static KubernetesMembership ForClient(KubernetesClient client, KubernetesMembershipOptions options, string clientName, int partitionCount, ILogger logger) =>
        new(client, options, clientName, partitionCount, hostsGrains: false, logger);

    /// <summary>This incarnation's identity (<c>silo/incarnation</c>): what the partition map names.</summary>
    public string SiloName { get; }

    /// <summary>The silo (pod) name without the incarnation.</summary>
    public string PlainSiloName { get; }

    public PartitionMap CurrentMap => current.Map;

    /// <summary>True while this silo holds a valid leader Lease.</summary>
    public bool IsLeader => leaderLease is not null && time.GetElapsedTime(Interlocked.Read(ref leaderRenewStart)) < options.LeaseDuration - options.SafetyMargin;

    /// <summary>True once the silo fenced itself.</summary>
    public bool IsFenced => fenced;

    /// <summary>Partitions waiting for their owner to drain them.</summary>
    public IReadOnlySet<int> PendingHandoffs => current.HandingOff;

    public event Action<PartitionMap>? MapChanged;

    public event Action<string>? Fenced;

    public bool IsOwnedLocally(int partition)
    {
        if (!hostsGrains || !joined || fenced || released || !OwnLeaseValid())
            return false;
        var state = current;
        return string.Equals(state.Document.Owners[partition], SiloName, StringComparison.Ordinal) && !state.HandingOff.Contains(partition);
    }

    public IReadOnlyList<SiloInfo> Silos
    {
        get
        {
            var owners = current.Document.Owners;
            return [.. observed.Values
                .Where(o => o.Role == "silo" && o.Holder.Length > 0)
                .Select(o => new SiloInfo(
                    o.Holder,
                    o.Holder == SiloName && fenced ? "Fenced"
                        : Expired(o) && o.Holder != SiloName ? "Expired"
                        : o.Lease.Metadata.Annotations?.GetValueOrDefault(LeavingAnnotation) == "true" ? "Leaving" : "Active",
                    EndpointOf(o.Holder),
                    time.GetElapsedTime(o.ObservedAt),
                    owners.Count(owner => owner == o.Holder)))
                .OrderBy(i => i.Identity, StringComparer.Ordinal)];
        }
    }

    public string? Leader =>
        observed.TryGetValue(options.LeaderLeaseName, out var leader) && leader.Holder.Length > 0 && !Expired(leader) ? leader.Holder : null;

    /// <summary>A call was refused here: the caller may hold a newer map than this silo's watch delivered; read it again (at most once per RetryInterval).</summary>
    public void RequestRefresh()
    {
        if (Interlocked.Exchange(ref refreshRequested, 1) == 0)
            SignalCoordinate();
    }

    public Uri? EndpointOf(string silo) => endpoints.TryGetValue(silo, out var uri) ? uri : null;

    /// <summary>Starts watching (client mode, or the first step of <see cref="JoinAsync"/>) and waits until the watches have synced.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (stateGate)
        {
            if (started)
                return;
            started = true;
        }

        leaseInformer.Start();
        mapInformer.Start();
        using var timeout = new CancellationTokenSource(options.JoinTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await Task.WhenAll(leaseInformer.WaitForSyncAsync(linked.Token), mapInformer.WaitForSyncAsync(linked.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"membership: could not list Leases and the partition map in namespace '{options.Namespace}' within {options.JoinTimeout} (is the API server reachable, and may this service account get/list/watch leases and configmaps?)");
        }
    }

    public async Task JoinAsync(MembershipJoin join, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(join);
        if (!hostsGrains)
            throw new InvalidOperationException("a client membership cannot join the cluster");
        this.join = join;
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await AcquireOwnLeaseAsync(cancellationToken).ConfigureAwait(false);
        joined = true;
        fenceTimer = time.CreateTimer(static s => ((KubernetesMembership)s!).CheckFence(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        ArmFence();
        renewTimer = time.CreateTimer(static s => ((KubernetesMembership)s!).renewSignal.Set(), this, options.RenewInterval, Timeout.InfiniteTimeSpan);
        wakeTimer = time.CreateTimer(static s => ((KubernetesMembership)s!).SignalCoordinate(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        coordinateLoop = Task.Run(() => CoordinateLoopAsync(stopping.Token), CancellationToken.None);
        renewLoop = Task.Run(() => RenewLoopAsync(stopping.Token), CancellationToken.None);
        Log.Joined(logger, SiloName, options.Namespace, options.SiloLeaseName(PlainSiloName));
        SignalCoordinate();

        // Bounded: a silo that gets no partitions (e.g. no leader yet) still starts; it serves once a map names it.
        var deadline = time.GetUtcNow() + options.JoinTimeout;
        while (!current.Document.Owners.Contains(SiloName))
        {
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero || !await WaitForChangeAsync(remaining, cancellationToken).ConfigureAwait(false))
            {
                Log.JoinedWithoutPartitions(logger, SiloName, options.JoinTimeout);
                break;
            }
        }
    }

    public async Task LeaveAsync(Func<Task> stopServing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stopServing);
        if (!joined || released)
        {
            await stopServing().ConfigureAwait(false);
            return;
        }

        leaving = true;
        renewSignal.Set();
        SignalCoordinate();
        var leaveStarted = time.GetTimestamp();
        if (!fenced && OtherLiveSilos().Any())
        {
            var deadline = time.GetUtcNow() + options.LeaveTimeout;
            while (current.Document.Owners.Contains(SiloName))
            {
                var remaining = deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero || !await WaitForChangeAsync(remaining, cancellationToken).ConfigureAwait(false))
                {
                    Log.LeaveTimedOut(logger, SiloName, options.LeaveTimeout, current.Document.Owners.Count(o => o == SiloName));
                    break;
                }
            }
        }

        await stopServing().ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
        Log.Left(logger, SiloName, time.GetElapsedTime(leaveStarted).TotalMilliseconds);
    }

    public async ValueTask DisposeAsync()
    {
        lock (stateGate)
        {
            if (disposed)
                return;
            disposed = true;
        }

        await ShutDownLoopsAsync().ConfigureAwait(false);
        await leaseInformer.DisposeAsync().ConfigureAwait(false);
        await mapInformer.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        leaderGate.Dispose();
    }

    /// <summary>Time since the start of this silo's last successful renewal (tests step fake time by it).</summary>
    internal TimeSpan SinceLastRenewal => time.GetElapsedTime(Interlocked.Read(ref lastRenewStart));

    internal KubernetesMembershipOptions Options => options;

    /// <summary>No renewal, coordination pass or drain is pending or running (tests wait for this before moving a fake clock).</summary>
    internal bool IsIdle => renewSignal.IsIdle && coordinateSignal.IsIdle && drainTask is null or { IsCompleted: true };

    /// <summary>Stops renewing without releasing anything, like a process that died (tests of failover).</summary>
    internal Task AbandonAsync()
    {
        released = true;
        return ShutDownLoopsAsync();
    }

    // ---------------------------------------------------------------- observations

    private sealed record Observation(Lease Lease, string ResourceVersion, long ObservedAt)
    {
        public string Role => Lease.Metadata.Labels?.GetValueOrDefault(RoleLabel) ?? string.Empty;

        public string Holder => Lease.Spec?.HolderIdentity ?? string.Empty;
    }

    private sealed record MapState(OwnershipDocument Document, string? ResourceVersion, FrozenSet<int> HandingOff)
    {
        public PartitionMap Map { get; } = Document.ToPartitionMap();
    }

    private void Observe(Lease lease)
    {
        var name = lease.Metadata.Name ?? string.Empty;
        var rv = lease.Metadata.ResourceVersion ?? string.Empty;
        observed.AddOrUpdate(
            name,
            _ => new Observation(lease, rv, time.GetTimestamp()),
            (_, old) => old.ResourceVersion == rv || IsOlder(rv, old.ResourceVersion) ? old : new Observation(lease, rv, time.GetTimestamp()));
        var holder = lease.Spec?.HolderIdentity;
        if (!string.IsNullOrEmpty(holder) && lease.Metadata.Annotations?.GetValueOrDefault(EndpointAnnotation) is { } endpoint
            && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
            endpoints[holder] = uri;
    }

    /// <summary>
    /// resourceVersions are opaque to clients, but every API server (and KubeSim) issues integers
    /// that grow; a resync's list must not replace a newer observation the watch already delivered.
    /// </summary>
    private static bool IsOlder(string candidate, string current) =>
        long.TryParse(candidate, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
        && long.TryParse(current, NumberStyles.None, CultureInfo.InvariantCulture, out var b)
        && a < b;

    private void OnLease(Lease lease)
    {
        Observe(lease);
        Pulse();
        SignalCoordinate();
    }

    private void OnLeaseDeleted(Lease lease)
    {
        if (lease.Metadata.Name is { } name)
            observed.TryRemove(name, out _);
        if (lease.Spec?.HolderIdentity is { } holder)
            endpoints.TryRemove(holder, out _);
        Pulse();
        SignalCoordinate();
    }

    private void OnMap(ConfigMap map) =>
        Accept(OwnershipDocument.TryParse(map.Data?.GetValueOrDefault(OwnershipDocument.DataKey), current.Document.PartitionCount), map);

    private void Accept(OwnershipDocument? document, ConfigMap map)
    {
        if (document is null)
        {
            Log.MalformedMap(logger, options.MapName, options.Namespace);
            return;
        }

        MapState next;
        lock (stateGate)
        {
            if (document.Version <= current.Document.Version)
                return; // An older or equal version never undoes a newer decision.
            next = new MapState(document, map.Metadata.ResourceVersion, document.Handoffs.Select(h => h.Partition).ToFrozenSet());
            current = next;
        }

        Log.MapAccepted(logger, SiloName, document.Version, document.Owners.Count(o => o == SiloName), document.Handoffs.Length);
        MapChanged?.Invoke(next.Map);
        Pulse();
        SignalCoordinate();
    }

    private bool Expired(Observation observation) => time.GetElapsedTime(observation.ObservedAt) >= options.LeaseDuration;

    private IEnumerable<Observation> OtherLiveSilos() =>
        observed.Values.Where(o => o.Role == "silo" && o.Holder != SiloName && o.Holder.Length > 0 && !Expired(o)
            && o.Lease.Metadata.Annotations?.GetValueOrDefault(LeavingAnnotation) != "true");

    /// <summary>
    /// Whether the observed Lease is really gone: expired by this silo's clock and, read again now,
    /// still the very version observed (so its holder did not renew meanwhile). Refreshes the
    /// observation when the Lease did change.
    /// </summary>
    private async Task<bool> ConfirmExpiredAsync(Observation observation, CancellationToken cancellationToken)
    {
        if (!Expired(observation))
            return false;
        var name = observation.Lease.Metadata.Name!;
        var fresh = await WithTimeout(ct => leases.TryGetAsync(name, options.Namespace, ct), cancellationToken).ConfigureAwait(false);
        if (fresh is null)
        {
            observed.TryRemove(name, out _);
            return true;
        }

        if (fresh.Metadata.ResourceVersion == observation.ResourceVersion)
            return true;
        Observe(fresh);
        return false;
    }

    // ---------------------------------------------------------------- own Lease

    private bool OwnLeaseValid() => time.GetElapsedTime(Interlocked.Read(ref lastRenewStart)) < options.LeaseDuration - options.SafetyMargin;

    private async Task AcquireOwnLeaseAsync(CancellationToken cancellationToken)
    {
        var name = options.SiloLeaseName(PlainSiloName);
        var deadline = time.GetUtcNow() + options.JoinTimeout + options.LeaseDuration;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = time.GetTimestamp();
            var existing = await WithTimeout(ct => leases.TryGetAsync(name, options.Namespace, ct), cancellationToken).ConfigureAwait(false);
            try
            {
                Lease acquired;
                if (existing is null)
                {
                    acquired = await WithTimeout(ct => leases.CreateAsync(NewLease(name, "silo"), cancellationToken: ct), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // A Lease of an earlier incarnation of this pod: take it only once that incarnation's
                    // lease has expired (observed by this process's clock), so the old one has fenced itself.
                    Observe(existing);
                    var observation = observed[name];
                    if (observation.Holder.Length > 0 && !await ConfirmExpiredAsync(observation, cancellationToken).ConfigureAwait(false))
                    {
                        var remaining = deadline - time.GetUtcNow();
                        if (remaining <= TimeSpan.Zero)
                            throw new TimeoutException($"membership: the Lease {options.Namespace}/{name} is held by '{observation.Holder}' and did not expire within {options.JoinTimeout + options.LeaseDuration}");
                        Log.WaitingForPreviousIncarnation(logger, name, observation.Holder);
                        var wait = options.LeaseDuration - time.GetElapsedTime(observed[name].ObservedAt);
                        await WaitForChangeAsync(wait > TimeSpan.Zero ? wait : options.RetryInterval, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    var fresh = NewLease(name, "silo");
                    existing.Spec = fresh.Spec;
                    existing.Metadata.Labels = fresh.Metadata.Labels;
                    existing.Metadata.Annotations = fresh.Metadata.Annotations;
                    acquired = await WithTimeout(ct => leases.UpdateAsync(existing, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
                }

                ownLease = acquired;
                Interlocked.Exchange(ref lastRenewStart, start);
                Observe(acquired);
                return;
            }
            catch (Exception exception) when (exception is AlreadyExistsException or ConflictException)
            {
                // Someone else moved first; look again.
            }
        }
    }

    private Lease NewLease(string name, string role)
    {
        var now = time.GetUtcNow();
        return new Lease
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = options.Namespace,
                Labels = new Dictionary<string, string> { [ClusterLabel] = options.ClusterName, [RoleLabel] = role },
                Annotations = role == "silo" ? OwnAnnotations() : null,
            },
            Spec = new LeaseSpec
            {
                HolderIdentity = SiloName,
                LeaseDurationSeconds = (int)Math.Ceiling(options.LeaseDuration.TotalSeconds),
                AcquireTime = now,
                RenewTime = now,
                LeaseTransitions = 0,
            },
        };
    }

    private Dictionary<string, string> OwnAnnotations()
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DrainedAnnotation] = Interlocked.Read(ref drainedVersion).ToString(CultureInfo.InvariantCulture),
        };
        if (join?.Endpoint is { } endpoint)
            annotations[EndpointAnnotation] = endpoint.ToString();
        if (leaving)
            annotations[LeavingAnnotation] = "true";
        return annotations;
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var served = await renewSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (released || fenced)
                {
                    renewSignal.Completed(served);
                    return;
                }

                var ok = false;
                try
                {
                    ok = await RenewOwnAsync(cancellationToken).ConfigureAwait(false);
                    ok &= await RenewLeaderAsync(cancellationToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The renew loop must survive anything; a silo that stops renewing fences itself.
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    Log.RenewFailed(logger, SiloName, exception);
                }

                renewTimer?.Change(ok ? options.RenewInterval : options.RetryInterval, Timeout.InfiniteTimeSpan);
                if (ok)
                {
                    // The leader reacts to this silo's own acknowledgement at once, and everyone resyncs once per period.
                    Interlocked.Exchange(ref resyncRequested, 1);
                    SignalCoordinate();
                }

                renewSignal.Completed(served);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<bool> RenewOwnAsync(CancellationToken cancellationToken)
    {
        var lease = ownLease!;
        var start = time.GetTimestamp();
        try
        {
            lease.Spec!.RenewTime = time.GetUtcNow();
            lease.Metadata.Annotations = OwnAnnotations();
            var renewed = await WithTimeout(ct => leases.UpdateAsync(lease, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            ownLease = renewed;
            Interlocked.Exchange(ref lastRenewStart, start);
            ArmFence();
            Observe(renewed);
            return true;
        }
        catch (Exception exception) when (exception is ConflictException or NotFoundException)
        {
            // Only this incarnation writes its Lease; a changed or missing Lease means another one took it.
            Fence($"its Lease was changed or deleted by someone else ({exception.GetType().Name})");
            return false;
        }
        catch (Exception exception) when (IsTransient(exception, cancellationToken))
        {
            Log.RenewFailed(logger, SiloName, exception);
            return false;
        }
    }

    private void ArmFence()
    {
        var due = options.LeaseDuration - options.SafetyMargin - time.GetElapsedTime(Interlocked.Read(ref lastRenewStart));
        fenceTimer?.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void CheckFence()
    {
        if (released || fenced)
            return;
        if (!OwnLeaseValid())
            Fence($"its Lease was not renewed within {options.LeaseDuration - options.SafetyMargin} (LeaseDuration − SafetyMargin)");
        else
            ArmFence();
    }

    private void Fence(string reason)
    {
        lock (stateGate)
        {
            if (fenced)
                return;
            fenced = true;
        }

        Log.FencedItself(logger, SiloName, reason);
        MapChanged?.Invoke(current.Map); // The runtime drains every partition it no longer may serve: all of them.
        Pulse();
        Fenced?.Invoke(reason);
    }

    // ---------------------------------------------------------------- coordination

    private void SignalCoordinate() => coordinateSignal.Set();

    private async Task CoordinateLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var served = await coordinateSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (released)
                {
                    coordinateSignal.Completed(served);
                    return;
                }

                try
                {
                    if (!fenced)
                    {
                        await ResyncIfAskedAsync(cancellationToken).ConfigureAwait(false);
                        await RefreshMapIfAskedAsync(cancellationToken).ConfigureAwait(false);
                        StartDrainIfAsked();
                        await LeadAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
#pragma warning disable CA1031 // The coordination loop must survive anything: it is retried shortly.
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    Log.CoordinationFailed(logger, SiloName, exception);
                    wakeTimer?.Change(options.RetryInterval, Timeout.InfiniteTimeSpan);
                    coordinateSignal.Completed(served);
                    continue;
                }

                ArmWake();
                coordinateSignal.Completed(served);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Once per renew period the Leases and the map are read again (two reads, no write), so a watch
    /// that lost an event — a handoff acknowledgement, a map version — delays the protocol by at most
    /// one period instead of stalling it. Observations are only added or advanced here, never removed:
    /// a silo counts as gone only by a watch deletion or a fresh read that confirms it.
    /// </summary>
    private async Task ResyncIfAskedAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref resyncRequested, 0) == 0)
            return;
        var list = await WithTimeout(ct => leases.ListAsync(options.Namespace, new ListOptions { LabelSelector = $"{ClusterLabel}={options.ClusterName}" }, ct), cancellationToken).ConfigureAwait(false);
        foreach (var lease in list.Items)
            Observe(lease);
        await ReadMapAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the stored map and adopts it if newer; it also answers a pending refresh request.</summary>
    private async Task ReadMapAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref refreshRequested, 0);
        Interlocked.Exchange(ref lastRefresh, time.GetTimestamp());
        var stored = await WithTimeout(ct => configMaps.TryGetAsync(options.MapName, options.Namespace, ct), cancellationToken).ConfigureAwait(false);
        if (stored is not null)
            OnMap(stored);
    }

    private async Task RefreshMapIfAskedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref refreshRequested) == 0)
            return;
        var since = time.GetElapsedTime(Interlocked.Read(ref lastRefresh));
        if (Interlocked.Read(ref lastRefresh) != 0 && since < options.RetryInterval)
        {
            wakeTimer?.Change(options.RetryInterval - since, Timeout.InfiniteTimeSpan);
            return;
        }

        await ReadMapAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Phase 2 of a handoff on the old owner: drain the partitions the map is taking away, then acknowledge through the Lease.</summary>
    private void StartDrainIfAsked()
    {
        if (drainTask is { IsCompleted: false } || join is null)
            return;
        var state = current;
        if (state.Document.Version <= Interlocked.Read(ref drainedVersion))
            return;
        var mine = state.Document.Handoffs.Where(h => state.Document.Owners[h.Partition] == SiloName).Select(h => h.Partition).ToHashSet();
        if (mine.Count == 0)
            return;
        var version = state.Document.Version;
        var drain = join.DrainPartitions;
        drainTask = Task.Run(async () =>
        {
            try
            {
                await drain(mine, stopping.Token).ConfigureAwait(false);
                Interlocked.Exchange(ref drainedVersion, version);
                Log.Drained(logger, SiloName, mine.Count, version);
                renewSignal.Set(); // Publish the acknowledgement now, not at the next renewal.
            }
#pragma warning disable CA1031 // A failed drain is retried on the next signal; it must not kill the coordination loop.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.DrainFailed(logger, SiloName, exception);
            }
            finally
            {
                SignalCoordinate();
            }
        });
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        if (leaving && !IsLeader)
            return; // A leaving silo does not take up leadership.
        if (!IsLeader && !await TryAcquireLeadershipAsync(cancellationToken).ConfigureAwait(false))
            return;

        var present = new List<SiloView>();
        var gone = new List<Observation>();
        foreach (var observation in observed.Values.Where(o => o.Role == "silo" && o.Holder.Length > 0).ToList())
        {
            if (observation.Holder != SiloName && await ConfirmExpiredAsync(observation, cancellationToken).ConfigureAwait(false))
            {
                gone.Add(observation);
                continue;
            }

            var latest = observed.TryGetValue(observation.Lease.Metadata.Name!, out var o) ? o : observation;
            var annotations = latest.Lease.Metadata.Annotations;
            var drained = long.TryParse(annotations?.GetValueOrDefault(DrainedAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
            present.Add(new SiloView(latest.Holder, annotations?.GetValueOrDefault(LeavingAnnotation) == "true" || (latest.Holder == SiloName && leaving), drained));
        }

        var state = current;
        var next = OwnershipPlanner.Next(state.Document, present);
        if (next is not null && IsLeader)
            await WriteMapAsync(state, next, cancellationToken).ConfigureAwait(false);

        // Leases of dead silos that no map names any more are removed, so the set of Leases stays the set of silos.
        var named = current.Document.Owners.ToHashSet(StringComparer.Ordinal);
        foreach (var dead in gone.Where(g => !named.Contains(g.Holder)))
        {
            try
            {
                await WithTimeout(ct => leases.DeleteAsync(dead.Lease.Metadata.Name!, options.Namespace,
                    new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = dead.ResourceVersion } }, ct), cancellationToken).ConfigureAwait(false);
                Log.RemovedDeadLease(logger, dead.Lease.Metadata.Name!, dead.Holder);
            }
            catch (Exception exception) when (exception is ConflictException or NotFoundException)
            {
                // Renewed or already removed meanwhile.
            }
        }
    }

    private async Task WriteMapAsync(MapState state, OwnershipDocument next, CancellationToken cancellationToken)
    {
        var map = new ConfigMap
        {
            Metadata = new ObjectMeta
            {
                Name = options.MapName,
                Namespace = options.Namespace,
                ResourceVersion = state.ResourceVersion,
                Labels = new Dictionary<string, string> { [ClusterLabel] = options.ClusterName, [RoleLabel] = "partition-map" },
            },
            Data = new Dictionary<string, string> { [OwnershipDocument.DataKey] = next.ToJson() },
        };
        try
        {
            var written = state.ResourceVersion is null
                ? await WithTimeout(ct => configMaps.CreateAsync(map, cancellationToken: ct), cancellationToken).ConfigureAwait(false)
                : await WithTimeout(ct => configMaps.UpdateAsync(map, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            Log.MapWritten(logger, SiloName, next.Version, next.Handoffs.Length);
            Accept(next, written);
        }
        catch (Exception exception) when (exception is ConflictException or AlreadyExistsException)
        {
            // Another writer (a previous leader) moved the map on: adopt what is stored and plan again.
            await ReadMapAsync(cancellationToken).ConfigureAwait(false);
            SignalCoordinate();
        }
    }

    private async Task<bool> TryAcquireLeadershipAsync(CancellationToken cancellationToken)
    {
        await leaderGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var name = options.LeaderLeaseName;
            var start = time.GetTimestamp();
            Lease? acquired = null;
            try
            {
                if (!observed.TryGetValue(name, out var observation))
                {
                    acquired = await WithTimeout(ct => leases.CreateAsync(NewLease(name, "leader"), cancellationToken: ct), cancellationToken).ConfigureAwait(false);
                }
                else if (observation.Holder.Length == 0 || observation.Holder == SiloName || await ConfirmExpiredAsync(observation, cancellationToken).ConfigureAwait(false))
                {
                    // Exactly the version judged free or expired (a copy: the observed object belongs to
                    // the informer's cache). Never a newer observation: if someone took the Lease
                    // meanwhile, the compare-and-swap on this version must fail, not overwrite them.
                    var lease = Clone(observation.Lease);
                    var transitions = (lease.Spec?.LeaseTransitions ?? 0) + (lease.Spec?.HolderIdentity == SiloName ? 0 : 1);
                    lease.Spec = NewLease(name, "leader").Spec;
                    lease.Spec!.LeaseTransitions = transitions;
                    acquired = await WithTimeout(ct => leases.UpdateAsync(lease, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is AlreadyExistsException or ConflictException or NotFoundException)
            {
                return false; // Someone else is quicker or the Lease changed: the next event tells.
            }

            if (acquired is null)
                return false;
            leaderLease = acquired;
            Interlocked.Exchange(ref leaderRenewStart, start);
            Observe(acquired);
            Log.BecameLeader(logger, SiloName, name);
            return true;
        }
        finally
        {
            leaderGate.Release();
        }
    }

    private async Task<bool> RenewLeaderAsync(CancellationToken cancellationToken)
    {
        await leaderGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (leaderLease is not { } lease)
                return true;
            if (!IsLeader)
            {
                leaderLease = null; // Too late: someone else may hold it by now; acquire again through the normal path.
                Log.LostLeadership(logger, SiloName, "renewals failed");
                SignalCoordinate();
                return true;
            }

            var start = time.GetTimestamp();
            try
            {
                lease.Spec!.RenewTime = time.GetUtcNow();
                var renewed = await WithTimeout(ct => leases.UpdateAsync(lease, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
                leaderLease = renewed;
                Interlocked.Exchange(ref leaderRenewStart, start);
                Observe(renewed);
                return true;
            }
            catch (Exception exception) when (exception is ConflictException or NotFoundException)
            {
                leaderLease = null;
                Log.LostLeadership(logger, SiloName, "the leader Lease was changed by someone else");
                return true;
            }
            catch (Exception exception) when (IsTransient(exception, cancellationToken))
            {
                Log.RenewFailed(logger, SiloName, exception);
                return false;
            }
        }
        finally
        {
            leaderGate.Release();
        }
    }

    /// <summary>Arms the wake-up for the earliest moment an observed Lease could expire (failover needs no event).</summary>
    private void ArmWake()
    {
        var next = TimeSpan.MaxValue;
        foreach (var observation in observed.Values)
        {
            if (observation.Holder == SiloName || observation.Holder.Length == 0)
                continue;
            var due = options.LeaseDuration - time.GetElapsedTime(observation.ObservedAt);
            if (due > TimeSpan.Zero && due < next)
                next = due;
        }

        if (next != TimeSpan.MaxValue)
            wakeTimer?.Change(next + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }

    // ---------------------------------------------------------------- release and helpers

    private async Task ReleaseAsync()
    {
        released = true;
        await ShutDownLoopsAsync().ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(options.RequestTimeout * 2, time);
        try
        {
            if (ownLease is { } own)
                await leases.DeleteAsync(own.Metadata.Name!, options.Namespace, new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = own.Metadata.ResourceVersion } }, timeout.Token).ConfigureAwait(false);
            if (leaderLease is { } leader && IsLeader)
                await leases.DeleteAsync(leader.Metadata.Name!, options.Namespace, new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = leader.Metadata.ResourceVersion } }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsTransient(exception, CancellationToken.None) || exception is ConflictException or NotFoundException)
        {
            // The Leases then expire on their own; the partitions move after LeaseDuration instead of at once.
            Log.ReleaseFailed(logger, SiloName, exception);
        }
    }

    private async Task ShutDownLoopsAsync()
    {
        if (!stopping.IsCancellationRequested)
            await stopping.CancelAsync().ConfigureAwait(false);
        foreach (var timer in new[] { renewTimer, fenceTimer, wakeTimer })
        {
            if (timer is not null)
                await timer.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var loop in new[] { coordinateLoop, renewLoop, drainTask })
        {
            if (loop is null)
                continue;
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected on the way out.
            }
        }
    }

    private async Task<T> WithTimeout<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        return await request(linked.Token).ConfigureAwait(false);
    }

    private static Lease Clone(Lease lease) =>
        System.Text.Json.JsonSerializer.Deserialize(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(lease, KubernetesJsonContext.Default.Lease), KubernetesJsonContext.Default.Lease)!;

    private static bool IsTransient(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException or KubernetesApiException or TimeoutException or IOException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private void Pulse()
    {
        TaskCompletionSource previous;
        lock (stateGate)
        {
            previous = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    /// <summary>Waits for the next Lease or map change (true) or the timeout (false).</summary>
    private async Task<bool> WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task next;
        lock (stateGate)
            next = changed.Task;
        try
        {
            await next.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private sealed class Handler<T>(Action<T> changed, Action<T> deleted) : IResourceEventHandler<T>
        where T : class
    {
        public void OnAdd(T obj, bool isInInitialList) => changed(obj);

        public void OnUpdate(T oldObj, T newObj) => changed(newObj);

        public void OnDelete(T obj) => deleted(obj);
    }
}
