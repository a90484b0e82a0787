namespace MultigresOrleans.Grains.Builders.Shards;

using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The tunable values of the rendered postgresql.conf (spec §6.11 steps 1–2). The baseline suits a small instance;
/// resource sizing scales it to the largest postgres container (memory, CPU) and the smallest data volume (disk) of
/// the shard's pools, because one rendered file serves every pool and must be safe on the smallest disk and use the
/// biggest machine's memory. (A pool with less memory than the largest still fits: its limit is enforced by the
/// kubelet, and the memory-derived values are fractions, not absolute reservations.)
/// </summary>
public sealed record PostgresConfigValues
{
    public int MaxConnections { get; init; } = 60;
    public string SharedBuffers { get; init; } = "64MB";
    public string MaintenanceWorkMem { get; init; } = "16MB";
    public string WorkMem { get; init; } = "1092kB";
    public int MaxWorkerProcesses { get; init; } = 6;
    public int EffectiveIoConcurrency { get; init; }
    public int MaxParallelWorkers { get; init; } = 2;
    public int MaxParallelWorkersPerGather { get; init; } = 1;
    public int MaxParallelMaintenanceWorkers { get; init; } = 1;
    public string WalBuffers { get; init; } = "1920kB";
    public string MinWalSize { get; init; } = "80MB";
    public string MaxWalSize { get; init; } = "1024MB";
    public string WalKeepSize { get; init; } = "1000MB";
    public string MaxSlotWalKeepSize { get; init; } = "1024MB";
    public string CheckpointCompletionTarget { get; init; } = "0.9";
    public int MaxWalSenders { get; init; } = 25;
    public int MaxReplicationSlots { get; init; } = 25;
    public string EffectiveCacheSize { get; init; } = "192MB";
    public string RandomPageCost { get; init; } = "1.1";
    public int DefaultStatisticsTarget { get; init; } = 100;
    public string ClusterName { get; init; } = "";
}

/// <summary>The resource-derived part of §6.11 step 2 as pure arithmetic over bytes and millicores.</summary>
public static class PostgresConfigSizing
{
    private const long Kib = 1L << 10;
    private const long Mib = 1L << 20;
    private const long Gib = 1L << 30;

    /// <summary>
    /// The baseline values for <paramref name="shard"/> sized by its pools. Memory and CPU are the maximum over pools of
    /// the postgres container's limit (else request); disk is the minimum over pools of <c>storage.size</c>. A zero or
    /// absent input keeps the baseline for the values it drives.
    /// </summary>
    public static PostgresConfigValues ForShard(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        long memory = 0, millicores = 0, disk = 0;
        foreach (var (_, pool) in shard.Spec.Pools.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            memory = Math.Max(memory, LimitElseRequest(pool.Postgres?.Resources, "memory", 1m));
            millicores = Math.Max(millicores, LimitElseRequest(pool.Postgres?.Resources, "cpu", 1000m));
            var size = Bytes(pool.Storage?.Size, 1m);
            if (size > 0)
                disk = disk == 0 ? size : Math.Min(disk, size);
        }

        return Apply(new PostgresConfigValues { ClusterName = ClusterName(shard) }, memory, millicores, disk);
    }

    /// <summary>Applies CPU first (it sets the per-gather workers that work_mem divides by), then memory, then disk.</summary>
    public static PostgresConfigValues Apply(PostgresConfigValues baseline, long memoryBytes, long cpuMillicores, long diskBytes)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var values = baseline;
        var cores = (int)(cpuMillicores / 1000);
        if (cores >= 4)
        {
            values = values with
            {
                MaxWorkerProcesses = cores,
                MaxParallelWorkers = cores,
                MaxParallelWorkersPerGather = cores / 2,
                MaxParallelMaintenanceWorkers = Math.Min(cores / 2, 4),
            };
        }

        if (memoryBytes > 0)
        {
            var shared = memoryBytes / 4;
            var perGather = Math.Max(values.MaxParallelWorkersPerGather, 1);
            var connections = Math.Max(values.MaxConnections, 1);
            values = values with
            {
                SharedBuffers = FormatBytes(shared),
                EffectiveCacheSize = FormatBytes(memoryBytes * 3 / 4),
                MaintenanceWorkMem = FormatBytes(Math.Min(memoryBytes / 16, 2 * Gib)),
                WalBuffers = FormatBytes(Math.Clamp(shared * 3 / 100, 32 * Kib, 16 * Mib)),
                WorkMem = FormatBytes(Math.Max((memoryBytes - shared) / (connections * 3L) / perGather, 64 * Kib)),
            };
        }

        if (diskBytes > 0)
        {
            var diskMb = diskBytes / Mib;
            var maxWal = Math.Clamp(diskMb / 4, 64, 4096);
            values = values with
            {
                MaxWalSize = Megabytes(maxWal),
                MinWalSize = Megabytes(Math.Clamp(maxWal / 4, 32, 1024)),
                WalKeepSize = Megabytes(Math.Clamp(diskMb / 8, 32, 1000)),
                MaxSlotWalKeepSize = Megabytes(maxWal),
            };
        }

        return values;
    }

    /// <summary>
    /// A byte count as postgresql.conf writes sizes: the largest of GB/MB/kB that divides it exactly, with sub-kB
    /// remainders truncated (kB is PostgreSQL's smallest memory unit) and <c>0kB</c> below one kB.
    /// </summary>
    public static string FormatBytes(long bytes)
    {
        var kb = bytes / Kib;
        if (kb <= 0)
            return "0kB";
        if (kb % (Kib * Kib) == 0)
            return Invariant($"{kb / (Kib * Kib)}GB");
        if (kb % Kib == 0)
            return Invariant($"{kb / Kib}MB");
        return Invariant($"{kb}kB");
    }

    /// <summary><c>&lt;cluster&gt;/&lt;db&gt;/&lt;tg&gt;/&lt;shard&gt;</c> with empty parts dropped; the Shard CR name when all are empty.</summary>
    public static string ClusterName(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var cluster = shard.Metadata.Labels?.GetValueOrDefault(LabelKeys.Cluster) ?? "";
        var parts = new[] { cluster, shard.Spec.DatabaseName, shard.Spec.TableGroupName, shard.Spec.ShardName }
            .Where(p => !string.IsNullOrEmpty(p))
            .ToArray();
        return parts.Length > 0 ? string.Join('/', parts) : shard.Metadata.Name ?? "";
    }

    private static long LimitElseRequest(ResourceRequirements? resources, string resource, decimal scale)
    {
        var limit = resources?.Limits is { } limits && limits.TryGetValue(resource, out var l) ? Bytes(l.Value, scale) : 0;
        if (limit > 0)
            return limit;
        return resources?.Requests is { } requests && requests.TryGetValue(resource, out var r) ? Bytes(r.Value, scale) : 0;
    }

    /// <summary>A quantity in base units × <paramref name="scale"/>, truncated; 0 for absent or unparseable text (the webhook rejects those earlier).</summary>
    private static long Bytes(string? quantity, decimal scale)
    {
        if (string.IsNullOrEmpty(quantity) || !new Quantity(quantity).TryGetValue(out var value) || value <= 0)
            return 0;
        try
        {
            return (long)decimal.Truncate(value * scale);
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    private static string Megabytes(long mb) => Invariant($"{mb}MB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
