namespace MultigresOrleans.Grains.Builders.Shards;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>
/// The cells a shard runs a multiorch in (spec §6.5 step 9). An explicit <c>spec.multiorch.cells</c> wins, in the order
/// written; otherwise every cell any pool uses gets one, so failover is orchestrated wherever the shard has data. The
/// derived list is sorted because it decides the order of applies and of <c>status.cells</c>, which must not follow
/// dictionary iteration.
/// </summary>
public static class MultiOrchCells
{
    /// <summary>The inner error when neither source names a cell.</summary>
    public const string NoCellsMessage =
        "multiorch has no cells specified and no cells found in pools - cannot deploy without cell information";

    /// <summary>The cells, or throws <see cref="ShardBuildException"/> with <see cref="NoCellsMessage"/>.</summary>
    public static IReadOnlyList<string> Resolve(ShardSpec spec) =>
        TryResolve(spec) is { Count: > 0 } cells ? cells : throw new ShardBuildException(NoCellsMessage);

    /// <summary>The cells, empty when neither source names one (the status computation carries on with none).</summary>
    public static IReadOnlyList<string> TryResolve(ShardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Multiorch.Cells is { Count: > 0 } explicitCells)
            return [.. explicitCells];
        return PoolCells(spec);
    }

    /// <summary>The sorted, de-duplicated union of every pool's cells.</summary>
    public static IReadOnlyList<string> PoolCells(ShardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var cells = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pool in spec.Pools.Values)
        {
            foreach (var cell in pool.Cells ?? [])
            {
                if (!string.IsNullOrEmpty(cell))
                    cells.Add(cell);
            }
        }

        return [.. cells];
    }

    /// <summary>Warning <c>ConfigError</c> event text when <see cref="Resolve"/> fails.</summary>
    public static string EventMessage(string error) => $"Failed to determine Multiorch cells: {error}";
}
