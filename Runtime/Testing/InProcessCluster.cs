using System.Collections.Frozen;
using MultigresOrleans.Runtime.Membership;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Testing;

/// <summary>
/// Several silos in one process sharing whatever storage and reminder table the caller configures,
/// with calls routed by one versioned partition map (the role Orleans' TestingHost plays). It stands
/// in for the parts that will run on Kubernetes Leases: it is the "leader" that computes maps with
/// rendezvous hashing and performs the two-phase handoff, and its transport is a direct method call.
/// <para>
/// Handoff between live silos: (1) the moving partitions are marked draining, so their old owners
/// refuse new calls (callers wait for the next map); (2) the old owners deactivate those partitions'
/// activations and stop their reminders, and the cluster waits for that; (3) the next map version is
/// published and the new owners load the reminders. So no grain is ever active on two silos during a
/// graceful change. A killed silo is fenced at once (it refuses all work) and its partitions move
/// immediately; on Kubernetes they move only after its lease expired plus a margin.
/// </para>
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly SemaphoreSlim changes = new(1, 1);
    private readonly Action<SiloHostBuilder> configure;
    private readonly int partitionCount;
    private readonly Dictionary<string, SiloHost> alive = new(StringComparer.Ordinal);
    private readonly List<ClusterOracle> oracles = [];
    private readonly ClusterTransport transport;
    private volatile Snapshot current;
    private int nextSiloNumber;
    private IGrainFactory? client;

    private InProcessCluster(Action<SiloHostBuilder> configure, int partitionCount, IReadOnlyCollection<string> initialSilos)
    {
        this.configure = configure;
        this.partitionCount = partitionCount;
        transport = new ClusterTransport(this);
        current = new Snapshot(PartitionMap.Create(initialSilos, partitionCount), FrozenSet<int>.Empty);
    }

    /// <summary>The current partition map.</summary>
    public PartitionMap Map => current.Map;

    /// <summary>The live silos, by name.</summary>
    public IReadOnlyList<SiloHost> Silos
    {
        get
        {
            lock (gate)
            {
                return [.. alive.Values.OrderBy(s => s.SiloName, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>A client: routes calls like a silo, hosts nothing (what webhooks and CLIs will use).</summary>
    public IGrainFactory Client => client ?? throw new InvalidOperationException("the cluster has no silos");

    /// <summary>Starts <paramref name="siloCount"/> silos named silo-0…; <paramref name="configure"/> runs for each silo's builder (share storage instances through it).</summary>
    public static async Task<InProcessCluster> StartAsync(int siloCount, Action<SiloHostBuilder> configure, int partitionCount = PartitionHash.DefaultPartitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(siloCount, 1);
        ArgumentNullException.ThrowIfNull(configure);
        var names = Enumerable.Range(0, siloCount).Select(i => $"silo-{i}").ToArray();
        var cluster = new InProcessCluster(configure, partitionCount, names) { nextSiloNumber = siloCount };
        foreach (var name in names)
            await cluster.StartSiloAsync(name).ConfigureAwait(false);
        return cluster;
    }

    public SiloHost Silo(string name)
    {
        lock (gate)
        {
            return alive.TryGetValue(name, out var silo) ? silo : throw new ArgumentException($"no live silo named {name}", nameof(name));
        }
    }

    /// <summary>The silo that owns <paramref name="grainId"/> in the current map.</summary>
    public SiloHost OwnerOf(GrainId grainId) => Silo(Map.OwnerOf(grainId));

    /// <summary>Starts a new silo and hands it its partitions.</summary>
    public async Task<SiloHost> AddSiloAsync()
    {
        var name = $"silo-{Interlocked.Increment(ref nextSiloNumber) - 1}";
        var silo = await StartSiloAsync(name).ConfigureAwait(false);
        await ChangeMembershipAsync([.. LiveNames(), name]).ConfigureAwait(false);
        return silo;
    }

    /// <summary>Graceful shutdown of one silo: its partitions are handed off first, then it stops.</summary>
    public async Task RemoveSiloAsync(string name)
    {
        var silo = Silo(name);
        await ChangeMembershipAsync([.. LiveNames().Where(n => n != name)]).ConfigureAwait(false);
        lock (gate)
        {
            alive.Remove(name);
        }

        await silo.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Crash of one silo: it stops serving at once (nothing handed off, no OnDeactivateAsync), then the map moves its partitions.</summary>
    public async Task KillSiloAsync(string name)
    {
        var silo = Silo(name);
        lock (gate)
        {
            alive.Remove(name);
        }

        await silo.KillAsync().ConfigureAwait(false);
        await changes.WaitAsync().ConfigureAwait(false);
        try
        {
            Publish(new Snapshot(current.Map.Reassign(LiveNames()), FrozenSet<int>.Empty));
        }
        finally
        {
            changes.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos)
            await silo.StopAsync().ConfigureAwait(false);
        changes.Dispose();
    }

    internal bool IsOwnedBy(string silo, int partition)
    {
        var snapshot = current;
        bool isAlive;
        lock (gate)
        {
            isAlive = alive.ContainsKey(silo);
        }

        return isAlive && !snapshot.Draining.Contains(partition) && string.Equals(snapshot.Map.OwnerOf(partition), silo, StringComparison.Ordinal);
    }

    private string[] LiveNames()
    {
        lock (gate)
        {
            return [.. alive.Keys];
        }
    }

    private async Task<SiloHost> StartSiloAsync(string name)
    {
        var oracle = new ClusterOracle(this, name);
        var builder = new SiloHostBuilder();
        configure(builder);
        builder.Configure(o =>
            {
                o.SiloName = name;
                o.PartitionCount = partitionCount;
            })
            .UseMembership(_ => oracle)
            .UseTransport(transport);
        var silo = builder.Build();
        lock (gate)
        {
            oracles.Add(oracle);
            alive.Add(name, silo);
            if (client is null)
            {
                var clientOracle = new ClusterOracle(this, "client");
                oracles.Add(clientOracle);
                var router = new GrainRouter(clientOracle, transport, local: null, silo.Runtime.TimeProvider, silo.Runtime.Options.CallTimeout);
                client = new RoutingGrainFactory(silo.Runtime.Registry, router.RouteAsync);
            }
        }

        await silo.StartAsync().ConfigureAwait(false);
        return silo;
    }

    private async Task ChangeMembershipAsync(IReadOnlyCollection<string> silos)
    {
        await changes.WaitAsync().ConfigureAwait(false);
        try
        {
            var before = current.Map;
            var next = before.Reassign(silos);
            var moving = before.Moved(next).ToFrozenSet();

            // Phase 1: old owners stop accepting the moving partitions; phase 2: they drain them.
            current = new Snapshot(before, moving);
            foreach (var silo in Silos)
            {
                var drained = moving.Where(p => before.OwnerOf(p) == silo.SiloName).ToHashSet();
                if (drained.Count > 0)
                    await silo.Runtime.DrainAsync(drained, CancellationToken.None).ConfigureAwait(false);
            }

            // Phase 3: the new owners take over.
            Publish(new Snapshot(next, FrozenSet<int>.Empty));
        }
        finally
        {
            changes.Release();
        }
    }

    private void Publish(Snapshot snapshot)
    {
        current = snapshot;
        ClusterOracle[] targets;
        lock (gate)
        {
            targets = [.. oracles];
        }

        foreach (var oracle in targets)
            oracle.Raise(snapshot.Map);
    }

    private sealed record Snapshot(PartitionMap Map, FrozenSet<int> Draining);

    private sealed class ClusterOracle(InProcessCluster cluster, string siloName) : IMembershipOracle
    {
        public string SiloName { get; } = siloName;

        public PartitionMap CurrentMap => cluster.current.Map;

        public event Action<PartitionMap>? MapChanged;

        public bool IsOwnedLocally(int partition) => cluster.IsOwnedBy(SiloName, partition);

        public void Raise(PartitionMap map) => MapChanged?.Invoke(map);
    }

    private sealed class ClusterTransport(InProcessCluster cluster) : IGrainTransport
    {
        public Task<object?> SendAsync(string targetSilo, GrainId grainId, GrainMethod method, object?[] args)
        {
            SiloHost? target;
            lock (cluster.gate)
            {
                cluster.alive.TryGetValue(targetSilo, out target);
            }

            return target is null
                ? Task.FromException<object?>(new SiloUnavailableException(targetSilo))
                : target.Runtime.ReceiveAsync(grainId, method, args);
        }
    }
}
