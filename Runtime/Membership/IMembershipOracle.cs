using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Membership;

/// <summary>
/// The seam between the single-process runtime and cluster membership/ownership. A silo hosts an
/// activation or fires a reminder only for partitions this oracle says it owns <em>now</em>.
/// <para>
/// The local implementation owns everything. The Kubernetes implementation (not written yet) will
/// keep a Lease per silo, follow the leader-maintained versioned <see cref="PartitionMap"/>, and
/// answer false — fencing itself — once its own lease may have expired by its own clock.
/// </para>
/// </summary>
public interface IMembershipOracle
{
    /// <summary>This silo's name (its Lease name under Kubernetes).</summary>
    string SiloName { get; }

    /// <summary>The newest partition map this silo has seen.</summary>
    PartitionMap CurrentMap { get; }

    /// <summary>True when this silo may serve <paramref name="partition"/>: the current map names it and its lease is valid.</summary>
    bool IsOwnedLocally(int partition);

    /// <summary>Raised after <see cref="CurrentMap"/> changed, with the new map.</summary>
    event Action<PartitionMap>? MapChanged;
}

/// <summary>
/// Implemented by memberships whose view of the map can lag (a watch delivers changes late): a
/// silo that refuses a call asks for its map to be read again, so a caller holding a newer map than
/// the silo is not refused for long.
/// </summary>
public interface IRefreshableMembership
{
    /// <summary>Read the current map again soon (rate-limited by the implementation).</summary>
    void RequestRefresh();
}

/// <summary>Single-silo membership: one silo that owns every partition, forever.</summary>
public sealed class LocalMembershipOracle : IMembershipOracle
{
    public LocalMembershipOracle(string siloName, int partitionCount = PartitionHash.DefaultPartitionCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(siloName);
        SiloName = siloName;
        CurrentMap = PartitionMap.Create([siloName], partitionCount);
    }

    public string SiloName { get; }

    public PartitionMap CurrentMap { get; }

    public bool IsOwnedLocally(int partition) => true;

    public event Action<PartitionMap>? MapChanged
    {
        add { }
        remove { }
    }
}
