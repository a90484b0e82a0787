using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Reminders;

namespace MultigresOrleans.Runtime.Tests;

/// <summary>
/// The IReminderTable contract, run against every table (memory here, Azure Blob against Azurite,
/// Kubernetes against KubeSim): rows grouped by partition, upsert replaces and re-versions a row,
/// removal is conditional on the row's ETag, and concurrent upserts to one partition all land.
/// </summary>
public abstract class ReminderTableContract : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly List<IReminderTable> tables = [];

    /// <summary>A new, empty table isolated from every other test's.</summary>
    protected abstract Task<IReminderTable> NewTableAsync(int partitionCount);

    private async Task<IReminderTable> TableAsync(int partitionCount)
    {
        var table = await NewTableAsync(partitionCount);
        tables.Add(table);
        return table;
    }

    public void Dispose()
    {
        foreach (var table in tables)
            (table as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Concurrent_upserts_to_one_partition_all_land()
    {
        var table = await TableAsync(partitionCount: 1);
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            table.UpsertRowAsync(new ReminderEntry(new GrainId("g", $"k{i}"), "n", At, Minute), CancellationToken.None)));
        var rows = await table.ReadRowsAsync(0, CancellationToken.None);
        Assert.Equal(12, rows.Count);
        var row = await table.ReadRowAsync(new GrainId("g", "k3"), "n", CancellationToken.None);
        Assert.NotNull(row);
        Assert.False(await table.RemoveRowAsync(row.GrainId, "n", "stale-etag", CancellationToken.None));
        Assert.True(await table.RemoveRowAsync(row.GrainId, "n", row.ETag!, CancellationToken.None));
        Assert.Equal(11, (await table.ReadRowsAsync(0, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Missing_rows_and_empty_partitions_read_as_nothing()
    {
        var table = await TableAsync(partitionCount: 4);
        Assert.Equal(4, table.PartitionCount);
        Assert.Empty(await table.ReadRowsAsync(2, CancellationToken.None));
        Assert.Null(await table.ReadRowAsync(new GrainId("g", "none"), "n", CancellationToken.None));
        Assert.False(await table.RemoveRowAsync(new GrainId("g", "none"), "n", "any", CancellationToken.None));
    }

    [Fact]
    public async Task Upsert_replaces_the_row_of_the_same_grain_and_name_with_a_new_etag()
    {
        var table = await TableAsync(partitionCount: 4);
        var grain = new GrainId("shard", "ns/ü €/s1");
        var first = await table.UpsertRowAsync(new ReminderEntry(grain, "job", At, Minute), CancellationToken.None);
        var second = await table.UpsertRowAsync(new ReminderEntry(grain, "job", At + Minute, 2 * Minute), CancellationToken.None);
        await table.UpsertRowAsync(new ReminderEntry(grain, "other", At, Minute), CancellationToken.None);
        Assert.NotEqual(first, second);

        var row = await table.ReadRowAsync(grain, "job", CancellationToken.None);
        Assert.Equal(new ReminderEntry(grain, "job", At + Minute, 2 * Minute, second), row);
        var rows = await table.ReadRowsAsync(PartitionHash.PartitionOf(grain, 4), CancellationToken.None);
        Assert.Equal(["job", "other"], rows.Where(r => r.GrainId == grain).Select(r => r.ReminderName).Order(StringComparer.Ordinal));

        // The replaced version's ETag no longer removes the row.
        Assert.False(await table.RemoveRowAsync(grain, "job", first, CancellationToken.None));
        Assert.True(await table.RemoveRowAsync(grain, "job", second, CancellationToken.None));
        Assert.Null(await table.ReadRowAsync(grain, "job", CancellationToken.None));
        Assert.NotNull(await table.ReadRowAsync(grain, "other", CancellationToken.None));
    }

    [Fact]
    public async Task Rows_are_read_back_by_the_partition_of_their_grain()
    {
        const int Partitions = 8;
        var table = await TableAsync(Partitions);
        var grains = Enumerable.Range(0, 24).Select(i => new GrainId("g", $"key-{i}")).ToList();
        foreach (var grain in grains)
            await table.UpsertRowAsync(new ReminderEntry(grain, "r", At, Minute), CancellationToken.None);
        for (var p = 0; p < Partitions; p++)
        {
            var expected = grains.Where(g => PartitionHash.PartitionOf(g, Partitions) == p).Select(g => g.Key).Order(StringComparer.Ordinal);
            var actual = (await table.ReadRowsAsync(p, CancellationToken.None)).Select(r => r.GrainId.Key).Order(StringComparer.Ordinal);
            Assert.Equal(expected, actual);
        }
    }
}

public sealed class MemoryReminderTableContractTests : ReminderTableContract
{
    protected override Task<IReminderTable> NewTableAsync(int partitionCount) =>
        Task.FromResult<IReminderTable>(new InMemoryReminderTable(partitionCount));
}
