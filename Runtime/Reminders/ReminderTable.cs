using System.Collections.Concurrent;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Reminders;

/// <summary>
/// One durable reminder. <see cref="StartAt"/> is the first tick; later ticks fall at
/// StartAt + k·Period. <see cref="ETag"/> identifies this version of the row.
/// </summary>
public sealed record ReminderEntry(GrainId GrainId, string ReminderName, DateTimeOffset StartAt, TimeSpan Period, string? ETag = null);

/// <summary>
/// Where reminders are persisted. Rows are grouped by the placement partition of their grain, so a
/// silo that owns a partition loads exactly that partition's reminders (and a failover moves them
/// with the partition). Implementations must be safe for concurrent use by several silos.
/// </summary>
public interface IReminderTable
{
    /// <summary>The number of placement partitions rows are grouped by.</summary>
    int PartitionCount { get; }

    Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(int partition, CancellationToken cancellationToken);

    Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the row for (grain, name); returns the new row's ETag.</summary>
    Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken);

    /// <summary>Removes the row if its ETag still matches; false when it does not (or the row is gone).</summary>
    Task<bool> RemoveRowAsync(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken);
}

/// <summary>An in-memory reminder table for unit tests and single-process use.</summary>
public sealed class InMemoryReminderTable(int partitionCount = PartitionHash.DefaultPartitionCount) : IReminderTable
{
    private readonly ConcurrentDictionary<(GrainId, string), ReminderEntry> rows = new();

    public int PartitionCount { get; } = partitionCount;

    public Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(int partition, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ReminderEntry>>([.. rows.Values.Where(r => PartitionHash.PartitionOf(r.GrainId, PartitionCount) == partition)]);

    public Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken) =>
        Task.FromResult(rows.TryGetValue((grainId, reminderName), out var row) ? row : null);

    public Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var etag = Guid.NewGuid().ToString("N");
        rows[(entry.GrainId, entry.ReminderName)] = entry with { ETag = etag };
        return Task.FromResult(etag);
    }

    public Task<bool> RemoveRowAsync(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        Task.FromResult(rows.TryGetValue((grainId, reminderName), out var row) && row.ETag == eTag && rows.TryRemove(KeyValuePair.Create((grainId, reminderName), row)));
}
