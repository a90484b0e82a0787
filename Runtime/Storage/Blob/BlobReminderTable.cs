using System.Text.Json;
using System.Text.Json.Serialization;
using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Reminders;

namespace MultigresOrleans.Runtime.Storage.Blob;

/// <summary>
/// Reminders in Azure Blob Storage: one JSON blob per placement partition
/// (<c>{container}/reminders/{partition}.json</c>) holding that partition's rows. A silo that takes
/// over a partition reads one blob, and needs no List Blobs call. Every change is a read-modify-write
/// guarded by the blob's ETag and retried on conflict, so silos may update one partition concurrently.
/// </summary>
public sealed class BlobReminderTable : IReminderTable, IDisposable
{
    private const int MaxAttempts = 20;
    private readonly BlobRestClient client;
    private readonly HttpClient? ownedHttp;
    private readonly string container;

    public BlobReminderTable(AzureBlobStorageOptions options, int partitionCount = PartitionHash.DefaultPartitionCount, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        AzureBlobGrainStorage.ValidateContainerName(options.ContainerName);
        if (http is null)
        {
            ownedHttp = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = options.RequestTimeout };
            http = ownedHttp;
        }

        client = new BlobRestClient(http, BlobConnectionString.Parse(options.ConnectionString), options.WallClock);
        container = options.ContainerName;
        PartitionCount = partitionCount;
    }

    public int PartitionCount { get; }

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
            rows.Add(Row.From(entry with { ETag = etag }));
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return etag;
    }

    public Task<bool> RemoveRowAsync(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        UpdateAsync(grainId, rows => rows.RemoveAll(r => r.Matches(grainId, reminderName) && r.ETag == eTag) > 0, cancellationToken);

    public void Dispose() => ownedHttp?.Dispose();

    private async Task<bool> UpdateAsync(GrainId grainId, Func<List<Row>, bool> change, CancellationToken cancellationToken)
    {
        var partition = PartitionHash.PartitionOf(grainId, PartitionCount);
        for (var attempt = 1; ; attempt++)
        {
            var (rows, etag) = await LoadAsync(partition, cancellationToken).ConfigureAwait(false);
            if (!change(rows))
                return false;
            try
            {
                await client.PutAsync(container, BlobName(partition), JsonSerializer.SerializeToUtf8Bytes(new Document(rows), ReminderJson.Default.Document), etag, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (BlobConditionFailedException) when (attempt < MaxAttempts)
            {
                // Another silo changed this partition's blob since we read it: read again and re-apply.
            }
        }
    }

    private async Task<(List<Row> Rows, string? ETag)> LoadAsync(int partition, CancellationToken cancellationToken)
    {
        var blob = await client.GetAsync(container, BlobName(partition), cancellationToken).ConfigureAwait(false);
        if (blob is null)
            return ([], null);
        var document = JsonSerializer.Deserialize(blob.Content, ReminderJson.Default.Document) ?? new Document([]);
        return ([.. document.Rows], blob.ETag);
    }

    private static string BlobName(int partition) => $"reminders/{partition:D4}.json";

    internal sealed record Document(List<Row> Rows);

    internal sealed record Row(string GrainType, string GrainKey, string Name, DateTimeOffset StartAt, long PeriodTicks, string ETag)
    {
        public static Row From(ReminderEntry entry) =>
            new(entry.GrainId.Type, entry.GrainId.Key, entry.ReminderName, entry.StartAt, entry.Period.Ticks, entry.ETag!);

        public bool Matches(GrainId grainId, string name) =>
            GrainType == grainId.Type && GrainKey == grainId.Key && Name == name;

        public ReminderEntry ToEntry() => new(new GrainId(GrainType, GrainKey), Name, StartAt, TimeSpan.FromTicks(PeriodTicks), ETag);
    }
}

/// <summary>Source-generated JSON for the reminder documents (a hot, fixed shape).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BlobReminderTable.Document))]
internal sealed partial class ReminderJson : JsonSerializerContext;
