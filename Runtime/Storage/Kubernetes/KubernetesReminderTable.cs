using System.Globalization;
using System.Text;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Reminders;

namespace MultigresOrleans.Runtime.Storage.Kubernetes;

/// <summary>
/// Reminders in ConfigMaps: one per placement partition (<c>{prefix}-{partition:D4}</c>, default
/// prefix <c>grain-reminders</c>) holding that partition's rows as JSON. The semantics are those of
/// <see cref="Blob.BlobReminderTable"/> — the same <see cref="PartitionDocumentReminderTable"/> does
/// the read-modify-write — with metadata.resourceVersion as the version: creating a partition's
/// object is a create (AlreadyExists means another silo won: retry), changing it is an update
/// carrying the resourceVersion read (409 means another silo changed it: retry).
/// RBAC: get, create and update on configmaps in the namespace.
/// </summary>
public sealed class KubernetesReminderTable : IReminderTable, IDisposable
{
    /// <summary>The default <see cref="KubernetesStorageOptions.NamePrefix"/> of the reminder objects.</summary>
    public const string DefaultNamePrefix = "grain-reminders";

    private readonly KubernetesStorageConnection connection;
    private readonly PartitionDocumentReminderTable table;

    public KubernetesReminderTable(KubernetesStorageOptions options, int partitionCount = PartitionHash.DefaultPartitionCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        connection = new KubernetesStorageConnection(options);
        table = new PartitionDocumentReminderTable(new ConfigMapDocumentStore(connection, partitionCount), partitionCount, ObjectName);
    }

    public int PartitionCount => table.PartitionCount;

    /// <summary>The namespace holding the reminder objects.</summary>
    public string Namespace => connection.Namespace;

    /// <summary>The name of the ConfigMap holding one partition's reminders.</summary>
    public string ObjectName(int partition) => KubernetesObjectNames.ReminderObjectName(connection.Prefix, partition);

    public Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(int partition, CancellationToken cancellationToken) =>
        table.ReadRowsAsync(partition, cancellationToken);

    public Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken) =>
        table.ReadRowAsync(grainId, reminderName, cancellationToken);

    public Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken) =>
        table.UpsertRowAsync(entry, cancellationToken);

    public Task<bool> RemoveRowAsync(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        table.RemoveRowAsync(grainId, reminderName, eTag, cancellationToken);

    public void Dispose() => connection.Dispose();

    /// <summary>ConfigMaps as versioned documents: resourceVersion is the version, create / update-with-resourceVersion the condition.</summary>
    private sealed class ConfigMapDocumentStore(KubernetesStorageConnection connection, int partitionCount) : IVersionedDocumentStore
    {
        public async Task<VersionedDocument?> ReadAsync(string name, CancellationToken cancellationToken)
        {
            var map = await connection.ConfigMaps.TryGetAsync(name, connection.Namespace, cancellationToken).ConfigureAwait(false);
            if (map is null)
                return null;
            if (map.Data is null || !map.Data.TryGetValue(KubernetesObjectNames.RemindersDataKey, out var json))
                throw new InvalidOperationException($"ConfigMap {connection.Namespace}/{name} has no '{KubernetesObjectNames.RemindersDataKey}' key; it was not written by the reminder table or was edited");
            // An empty version would turn the guarded update into an unconditional one: refuse it.
            var version = map.Metadata.ResourceVersion is { Length: > 0 } rv ? rv : throw new InvalidOperationException($"the API server returned ConfigMap {connection.Namespace}/{name} without a resourceVersion");
            return new VersionedDocument(Encoding.UTF8.GetBytes(json), version);
        }

        public async Task<bool> TryWriteAsync(string name, byte[] content, string? version, CancellationToken cancellationToken)
        {
            if (content.Length > connection.MaxBytes)
                throw new InvalidOperationException($"reminder partition object {connection.Namespace}/{name} would be {content.Length} bytes, over the limit of {connection.MaxBytes} (a ConfigMap holds at most 1 MiB); raise SiloOptions.PartitionCount for a new cluster or keep fewer reminders");
            var map = new ConfigMap
            {
                Metadata = new ObjectMeta
                {
                    Name = name,
                    Namespace = connection.Namespace,
                    ResourceVersion = version,
                    Labels = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        [KubernetesObjectNames.ManagedByLabel] = KubernetesObjectNames.ManagedByValue,
                        [KubernetesObjectNames.KindLabel] = KubernetesObjectNames.RemindersKind,
                        [KubernetesObjectNames.PartitionKey] = name[(connection.Prefix.Length + 1)..],
                    },
                    Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["runtime.multigres.io/partition-count"] = partitionCount.ToString(CultureInfo.InvariantCulture),
                    },
                },
                Data = new Dictionary<string, string>(StringComparer.Ordinal) { [KubernetesObjectNames.RemindersDataKey] = Encoding.UTF8.GetString(content) },
            };
            try
            {
                if (version is null)
                    await connection.ConfigMaps.CreateAsync(map, cancellationToken: cancellationToken).ConfigureAwait(false);
                else
                    await connection.ConfigMaps.UpdateAsync(map, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is AlreadyExistsException or ConflictException || (e is NotFoundException && version is not null))
            {
                // Another silo created, changed or (by hand) deleted the object since it was read.
                return false;
            }
        }
    }
}
