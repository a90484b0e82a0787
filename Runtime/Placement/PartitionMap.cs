using System.Collections.Immutable;

namespace MultigresOrleans.Runtime.Placement;

/// <summary>
/// Which silo owns each partition, at a version. Versions only grow: a silo acts on the highest
/// version it has seen, so a delayed, older map can never undo a newer decision. Equality is by
/// value (version and every owner).
/// </summary>
public sealed record PartitionMap
{
    public PartitionMap(long version, ImmutableArray<string> owners)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        if (owners.IsDefaultOrEmpty)
            throw new ArgumentException("a partition map needs at least one partition", nameof(owners));
        Version = version;
        Owners = owners;
    }

    public long Version { get; }

    /// <summary>Owner silo name by partition number.</summary>
    public ImmutableArray<string> Owners { get; }

    public int PartitionCount => Owners.Length;

    public string OwnerOf(int partition) => Owners[partition];

    public string OwnerOf(GrainId grainId) => Owners[PartitionHash.PartitionOf(grainId, PartitionCount)];

    /// <summary>The distinct silos named by this map, sorted.</summary>
    public IReadOnlyList<string> Silos => [.. Owners.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Partitions owned by <paramref name="silo"/>.</summary>
    public IEnumerable<int> PartitionsOf(string silo)
    {
        for (var p = 0; p < Owners.Length; p++)
        {
            if (string.Equals(Owners[p], silo, StringComparison.Ordinal))
                yield return p;
        }
    }

    /// <summary>A first map: version 1, rendezvous over <paramref name="silos"/>.</summary>
    public static PartitionMap Create(IReadOnlyCollection<string> silos, int partitionCount = PartitionHash.DefaultPartitionCount) =>
        new(1, [.. Rendezvous.Assign(partitionCount, silos)]);

    /// <summary>The next version for a new set of live silos (same partition count).</summary>
    public PartitionMap Reassign(IReadOnlyCollection<string> silos) =>
        new(Version + 1, [.. Rendezvous.Assign(PartitionCount, silos)]);

    /// <summary>Partitions whose owner differs between this map and <paramref name="other"/>.</summary>
    public IReadOnlyList<int> Moved(PartitionMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.PartitionCount != PartitionCount)
            throw new ArgumentException("maps with different partition counts cannot be compared", nameof(other));
        return [.. Enumerable.Range(0, PartitionCount).Where(p => !string.Equals(Owners[p], other.Owners[p], StringComparison.Ordinal))];
    }

    public override string ToString() =>
        $"PartitionMap v{Version}: {PartitionCount} partitions over {string.Join(", ", Silos.Select(s => $"{s}={PartitionsOf(s).Count()}"))}";

    public bool Equals(PartitionMap? other) =>
        other is not null && other.Version == Version && other.Owners.AsSpan().SequenceEqual(Owners.AsSpan());

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Version);
        foreach (var owner in Owners)
            hash.Add(owner, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
