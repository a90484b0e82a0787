namespace MultigresOrleans.Runtime.Placement;

/// <summary>
/// Rendezvous (highest-random-weight) assignment of partitions to silos: each partition goes to the
/// silo with the highest weight(silo, partition). Properties that follow directly, and are tested:
/// deterministic for a set of silos regardless of order; when a silo joins, only partitions whose new
/// winner is that silo move; when a silo leaves, only that silo's partitions move. Balance is
/// statistical (each silo's load is binomial around P/N), which is why the partition count should be
/// well above the silo count.
/// </summary>
public static class Rendezvous
{
    /// <summary>The weight of a silo for a partition; ties (practically impossible) break on ordinal silo name.</summary>
    public static ulong Weight(string silo, int partition) =>
        PartitionHash.Mix(PartitionHash.Hash64(silo) ^ PartitionHash.Mix((ulong)partition + 0x9E3779B97F4A7C15UL));

    /// <summary>The owner of one partition among <paramref name="silos"/>.</summary>
    public static string OwnerOf(int partition, IReadOnlyCollection<string> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        if (silos.Count == 0)
            throw new ArgumentException("at least one silo is needed", nameof(silos));
        string? best = null;
        var bestWeight = 0UL;
        foreach (var silo in silos)
        {
            var weight = Weight(silo, partition);
            if (best is null || weight > bestWeight || (weight == bestWeight && string.CompareOrdinal(silo, best) < 0))
            {
                best = silo;
                bestWeight = weight;
            }
        }

        return best!;
    }

    /// <summary>Owners of partitions 0..count-1.</summary>
    public static string[] Assign(int partitionCount, IReadOnlyCollection<string> silos)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        var distinct = silos.Distinct(StringComparer.Ordinal).ToArray();
        var owners = new string[partitionCount];
        for (var p = 0; p < partitionCount; p++)
            owners[p] = OwnerOf(p, distinct);
        return owners;
    }
}
