using System.Text.Json;
using System.Text.Json.Serialization;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Reminders;

/// <summary>One stored document and the version the store will check a later write against.</summary>
internal sealed record VersionedDocument(byte[] Content, string Version);

/// <summary>
/// The little a reminder table needs from a durable store: named documents read with a version, and
/// a write that succeeds only if the version is unchanged. Azure Blob (ETag, If-Match) and
/// Kubernetes (resourceVersion on update) both provide exactly this, so the table logic above it is
/// written once, in <see cref="PartitionDocumentReminderTable"/>.
/// </summary>
internal interface IVersionedDocumentStore
{
    /// <summary>The document, or null when it does not exist.</summary>
    Task<VersionedDocument?> ReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the document if it is still at <paramref name="version"/> (null: only if it does not
    /// exist). Returns false — never throws — when that condition failed, so the caller can retry.
    /// </summary>
    Task<bool> TryWriteAsync(string name, byte[] content, string? version, CancellationToken cancellationToken);
}

/// <summary>
/// A reminder table kept as one JSON document per placement partition in an
/// <see cref="IVersionedDocumentStore"/>. A silo that takes over a partition reads one document and
/// needs no listing. Every change is a read-modify-write guarded by the document's version and
/// retried (a bounded number of times) when another silo changed the document in between, so
/// several silos may update one partition concurrently without losing rows.
/// </summary>
internal sealed class PartitionDocumentReminderTable(IVersionedDocumentStore store, int partitionCount, Func<int, string> documentName) : IReminderTable
{
    /// <summary>Conflicts are only other silos' writes to the same partition; this many in a row means something is wrong.</summary>
    internal const int MaxAttempts = 20;

    public int PartitionCount { get; } = partitionCount;

    public async Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(int partition, CancellationToken cancellationToken)
    {
        var (rows, _) = await LoadAsync(partition, cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

    public async Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        var (rows, _) = await LoadAsync(PartitionHash.PartitionOf(grainId, PartitionCount), cancellationToken).ConfigureAwait(false);
        return rows.FirstOrDefault(r => r.Matches(grainId, reminderName))?.ToEntry();
    }

    public async Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var etag = Guid.NewGuid().ToString("N");
        await UpdateAsync(entry.GrainId, rows =>
        {
            rows.RemoveAll(r => r.Matches(entry.GrainId, entry.ReminderName));
            rows.Add(ReminderRow.From(entry with { ETag = etag }));
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return etag;
    }

    public Task<bool> RemoveRowAsync(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        UpdateAsync(grainId, rows => rows.RemoveAll(r => r.Matches(grainId, reminderName) && r.ETag == eTag) > 0, cancellationToken);

    private async Task<bool> UpdateAsync(GrainId grainId, Func<List<ReminderRow>, bool> change, CancellationToken cancellationToken)
    {
        var partition = PartitionHash.PartitionOf(grainId, PartitionCount);
        var name = documentName(partition);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (rows, version) = await LoadAsync(partition, cancellationToken).ConfigureAwait(false);
            if (!change(rows))
                return false;
            var content = JsonSerializer.SerializeToUtf8Bytes(new ReminderDocument(rows), ReminderJson.Default.ReminderDocument);
            if (await store.TryWriteAsync(name, content, version, cancellationToken).ConfigureAwait(false))
                return true;

            // Another silo changed this partition's document since we read it: read again and re-apply.
        }

        throw new InvalidOperationException($"reminder document {name} changed under {MaxAttempts} consecutive attempts to update it; giving up");
    }

    private async Task<(List<ReminderRow> Rows, string? Version)> LoadAsync(int partition, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(documentName(partition), cancellationToken).ConfigureAwait(false);
        if (document is null)
            return ([], null);
        var parsed = JsonSerializer.Deserialize(document.Content, ReminderJson.Default.ReminderDocument) ?? new ReminderDocument([]);
        return ([.. parsed.Rows], document.Version);
    }
}

/// <summary>The stored form of one partition (its JSON shape is the on-disk format: keep it stable).</summary>
internal sealed record ReminderDocument(List<ReminderRow> Rows);

internal sealed record ReminderRow(string GrainType, string GrainKey, string Name, DateTimeOffset StartAt, long PeriodTicks, string ETag)
{
    public static ReminderRow From(ReminderEntry entry) =>
        new(entry.GrainId.Type, entry.GrainId.Key, entry.ReminderName, entry.StartAt, entry.Period.Ticks, entry.ETag!);

    public bool Matches(GrainId grainId, string name) =>
        GrainType == grainId.Type && GrainKey == grainId.Key && Name == name;

    public ReminderEntry ToEntry() => new(new GrainId(GrainType, GrainKey), Name, StartAt, TimeSpan.FromTicks(PeriodTicks), ETag);
}

/// <summary>Source-generated JSON for the reminder documents (a hot, fixed shape).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReminderDocument))]
internal sealed partial class ReminderJson : JsonSerializerContext;
