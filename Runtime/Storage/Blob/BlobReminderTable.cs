using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Reminders;

namespace MultigresOrleans.Runtime.Storage.Blob;

/// <summary>
/// Reminders in Azure Blob Storage: one JSON blob per placement partition
/// (<c>{container}/reminders/{partition}.json</c>) holding that partition's rows. A silo that takes
/// over a partition reads one blob, and needs no List Blobs call. Every change is a read-modify-write
/// guarded by the blob's ETag and retried on conflict (<see cref="PartitionDocumentReminderTable"/>,
/// shared with the Kubernetes table), so silos may update one partition concurrently.
/// </summary>
public sealed class BlobReminderTable : IReminderTable, IDisposable
{
    private readonly HttpClient? ownedHttp;
    private readonly PartitionDocumentReminderTable table;

    public BlobReminderTable(AzureBlobStorageOptions options, int partitionCount = PartitionHash.DefaultPartitionCount, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        AzureBlobGrainStorage.ValidateContainerName(options.ContainerName);
        if (http is null)
        {
            ownedHttp = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = options.RequestTimeout };
            http = ownedHttp;
        }

        var client = new BlobRestClient(http, BlobConnectionString.Parse(options.ConnectionString), options.WallClock);
        table = new PartitionDocumentReminderTable(new BlobDocumentStore(client, options.ContainerName), partitionCount, BlobName);
    }

    public int PartitionCount => table.PartitionCount;

    public Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(int partition, CancellationToken cancellationToken) =>
        table.ReadRowsAsync(partition, cancellationToken);

    public Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken) =>
        table.ReadRowAsync(grainId, reminderName, cancellationToken);

    public Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken) =>
        table.UpsertRowAsync(entry, cancellationToken);

    public Task<bool> RemoveRowAsync(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        table.RemoveRowAsync(grainId, reminderName, eTag, cancellationToken);

    public void Dispose() => ownedHttp?.Dispose();

    private static string BlobName(int partition) => $"reminders/{partition:D4}.json";

    /// <summary>Blobs as versioned documents: the ETag is the version, If-Match / If-None-Match: * the condition.</summary>
    private sealed class BlobDocumentStore(BlobRestClient client, string container) : IVersionedDocumentStore
    {
        public async Task<VersionedDocument?> ReadAsync(string name, CancellationToken cancellationToken) =>
            await client.GetAsync(container, name, cancellationToken).ConfigureAwait(false) is { } blob ? new VersionedDocument(blob.Content, blob.ETag) : null;

        public async Task<bool> TryWriteAsync(string name, byte[] content, string? version, CancellationToken cancellationToken)
        {
            try
            {
                await client.PutAsync(container, name, content, version, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (BlobConditionFailedException)
            {
                return false;
            }
        }
    }
}
