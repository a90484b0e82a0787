using MultigresOrleans.Runtime.Membership;

namespace MultigresOrleans.Runtime.Introspection;

/// <summary>
/// What a dashboard and metrics read from one silo (<see cref="SiloHost.Introspection"/>). Every
/// method returns a serialisable snapshot (see <see cref="IntrospectionJsonContext"/>), is safe to
/// call from any thread at any time, never runs grain code and never waits for a grain's turn.
/// </summary>
public sealed class SiloIntrospection
{
    private readonly SiloRuntime runtime;
    private readonly Func<string?> lifecycleStatus;

    /// <param name="runtime">The silo.</param>
    /// <param name="lifecycleStatus">The host's own word (Created, Stopped) when it overrides the membership's, else null.</param>
    internal SiloIntrospection(SiloRuntime runtime, Func<string?> lifecycleStatus)
    {
        this.runtime = runtime;
        this.lifecycleStatus = lifecycleStatus;
    }

    /// <summary>The silo: identity, status, partitions, activations, reminders, call statistics and the cluster view.</summary>
    public SiloSnapshot GetSiloSnapshot()
    {
        var membership = runtime.Membership;
        var map = membership.CurrentMap;
        var identity = membership.SiloName;
        var partitionCount = runtime.Options.PartitionCount;
        int[] owned = [.. Enumerable.Range(0, partitionCount).Where(membership.IsOwnedLocally)];
        var status = lifecycleStatus();
        ClusterSnapshot cluster;
        if (membership is IMembershipIntrospection introspection)
        {
            var silos = introspection.Silos;
            // Not among the silos yet: the membership has not observed this silo's own Lease.
            status ??= silos.FirstOrDefault(s => string.Equals(s.Identity, identity, StringComparison.Ordinal))?.Status ?? "Joining";
            cluster = new ClusterSnapshot(map.Version, introspection.Leader, silos);
        }
        else
        {
            // A membership that cannot see other silos (the single-silo default): report this one.
            status ??= "Active";
            cluster = new ClusterSnapshot(map.Version, null, [new SiloInfo(identity, status, runtime.CallEndpoint, TimeSpan.Zero, map.PartitionsOf(identity).Count())]);
        }

        return new SiloSnapshot(
            runtime.Options.SiloName,
            identity,
            status,
            runtime.TimeProvider.GetUtcNow(),
            runtime.CallEndpoint,
            map.Version,
            partitionCount,
            owned,
            runtime.Catalog.Count,
            runtime.Catalog.CountByType(),
            runtime.Catalog.TotalActivated,
            runtime.Catalog.TotalDeactivated,
            runtime.Reminders.LocalCount,
            runtime.CallStatistics.Snapshot(),
            cluster);
    }

    /// <summary>One grain's activation on this silo, or null when it has none here (never activates it).</summary>
    public GrainSnapshot? GetGrainSnapshot(GrainId grainId) =>
        runtime.Catalog.TryGet(grainId, out var activation) ? activation!.Inspect() : null;

    /// <summary>Grains with an activation here, optionally of one type, at most <paramref name="limit"/> (in no particular order).</summary>
    public IReadOnlyList<GrainId> GetActiveGrains(string? grainType = null, int limit = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return [.. runtime.Catalog.GrainIds()
            .Where(id => grainType is null || string.Equals(id.Type, grainType, StringComparison.Ordinal))
            .Take(limit)];
    }
}
