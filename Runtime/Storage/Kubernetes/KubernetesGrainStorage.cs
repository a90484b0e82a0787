using System.Text;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Runtime.Storage.Kubernetes;

/// <summary>
/// Grain state as one ConfigMap per (state name, grain) in one namespace — so an install needs
/// nothing but the API server it already talks to. The JSON state is the value of
/// <see cref="KubernetesObjectNames.StateDataKey"/>; names are described in <see cref="KubernetesObjectNames"/>.
/// </summary>
/// <remarks>
/// The ConfigMap's metadata.resourceVersion is the state's ETag, so the API server enforces the
/// contract of <see cref="IGrainStorage"/> itself: a write without an ETag is a create (refused if
/// the object exists), a write with one is an update carrying that resourceVersion (refused with 409
/// if the object changed), a clear is a delete with a resourceVersion precondition. Every refusal
/// becomes <see cref="InconsistentStateException"/>. ConfigMaps are limited to 1 MiB, so states over
/// <see cref="KubernetesStorageOptions.MaxStateBytes"/> are refused with
/// <see cref="GrainStateTooLargeException"/> before any request, instead of an obscure server error.
/// RBAC: get, create, update and delete on configmaps in the namespace (list to inspect or clean up).
/// </remarks>
public sealed class KubernetesGrainStorage : IGrainStorage, IStateSerializerSource, IDisposable
{
    private readonly KubernetesStorageConnection connection;
    private readonly GrainStateSerializer serializer;

    GrainStateSerializer IStateSerializerSource.Serializer => serializer;

    public KubernetesGrainStorage(KubernetesStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        connection = new KubernetesStorageConnection(options);
        serializer = options.Serializer;
    }

    /// <summary>The namespace holding the state objects.</summary>
    public string Namespace => connection.Namespace;

    /// <summary>The name of the ConfigMap holding one state record.</summary>
    public string ObjectName(string stateName, GrainId grainId) => KubernetesObjectNames.StateObjectName(connection.Prefix, stateName, grainId);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var name = ObjectName(stateName, grainId);
        var map = await connection.ConfigMaps.TryGetAsync(name, connection.Namespace).ConfigureAwait(false);
        if (map is null)
        {
            grainState.State = PersistentState<T>.NewState();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        if (map.Data is null || !map.Data.TryGetValue(KubernetesObjectNames.StateDataKey, out var json))
            throw new InvalidOperationException($"ConfigMap {connection.Namespace}/{name} (state '{stateName}' of grain {grainId}) has no '{KubernetesObjectNames.StateDataKey}' key; it was not written by this provider or was edited");
        grainState.State = serializer.Deserialize<T>(Encoding.UTF8.GetBytes(json));
        grainState.ETag = map.Metadata.ResourceVersion is { Length: > 0 } version
            ? version
            : throw new InvalidOperationException($"the API server returned ConfigMap {connection.Namespace}/{name} without a resourceVersion");
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        // An empty resourceVersion would make the update unconditional.
        if (grainState.ETag is { Length: 0 })
            throw new ArgumentException("an empty ETag is not a version of a Kubernetes object; use null for \"no record\"", nameof(grainState));
        var name = ObjectName(stateName, grainId);
        var data = serializer.Serialize(grainState.State);
        if (data.Length > connection.MaxBytes)
            throw new GrainStateTooLargeException(grainId, stateName, data.Length, connection.MaxBytes);

        var map = new ConfigMap
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = connection.Namespace,
                ResourceVersion = grainState.ETag,
                Labels = KubernetesObjectNames.StateLabels(stateName, grainId),
                Annotations = KubernetesObjectNames.StateAnnotations(stateName, grainId),
            },
            // STJ writes valid UTF-8, so the string round-trips the bytes exactly.
            Data = new Dictionary<string, string>(StringComparer.Ordinal) { [KubernetesObjectNames.StateDataKey] = Encoding.UTF8.GetString(data) },
        };
        ConfigMap stored;
        try
        {
            stored = grainState.ETag is null
                ? await connection.ConfigMaps.CreateAsync(map).ConfigureAwait(false)
                : await connection.ConfigMaps.UpdateAsync(map).ConfigureAwait(false);
        }
        catch (AlreadyExistsException e)
        {
            throw await ConflictAsync("write", name, grainState.ETag, "the record already exists", e).ConfigureAwait(false);
        }
        catch (ConflictException e)
        {
            throw await ConflictAsync("write", name, grainState.ETag, "the record changed", e).ConfigureAwait(false);
        }
        catch (NotFoundException e) when (grainState.ETag is not null)
        {
            throw await ConflictAsync("write", name, grainState.ETag, "the record no longer exists", e).ConfigureAwait(false);
        }

        grainState.ETag = stored.Metadata.ResourceVersion
            ?? throw new InvalidOperationException($"the API server returned ConfigMap {connection.Namespace}/{name} without a resourceVersion");
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (grainState.ETag is { Length: 0 })
            throw new ArgumentException("an empty ETag is not a version of a Kubernetes object; use null for \"no record\"", nameof(grainState));
        var name = ObjectName(stateName, grainId);
        if (grainState.ETag is null)
        {
            // The caller believes there is no record; deleting unconditionally could destroy a record
            // someone else created, so an existing object is a conflict, as for a write.
            var existing = await connection.ConfigMaps.TryGetAsync(name, connection.Namespace).ConfigureAwait(false);
            if (existing?.Metadata.ResourceVersion is { } stored)
                throw new InconsistentStateException($"clear of ConfigMap {connection.Namespace}/{name} expected no record but one exists at resourceVersion {stored}", stored, null);
        }
        else
        {
            try
            {
                await connection.ConfigMaps.DeleteAsync(name, connection.Namespace, new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = grainState.ETag } }).ConfigureAwait(false);
            }
            catch (ConflictException e)
            {
                throw await ConflictAsync("clear", name, grainState.ETag, "the record changed", e).ConfigureAwait(false);
            }
            catch (NotFoundException e)
            {
                throw new InconsistentStateException($"clear of ConfigMap {connection.Namespace}/{name} expected resourceVersion {grainState.ETag} but the record no longer exists", null, grainState.ETag, e);
            }
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public void Dispose() => connection.Dispose();

    private async Task<InconsistentStateException> ConflictAsync(string operation, string name, string? expected, string what, KubernetesApiException cause)
    {
        var stored = await connection.CurrentVersionAsync(name).ConfigureAwait(false);
        return new InconsistentStateException(
            $"{operation} of ConfigMap {connection.Namespace}/{name} expected {(expected is null ? "no record" : $"resourceVersion {expected}")} but {what} (stored: {stored ?? "<unknown or none>"})",
            stored,
            expected,
            cause);
    }
}

/// <summary>
/// A grain state too large for its storage provider (a Kubernetes ConfigMap holds at most 1 MiB).
/// Refused before any request so the grain learns which state is too big and by how much, instead
/// of reading an API server's generic validation error.
/// </summary>
public sealed class GrainStateTooLargeException : Exception
{
    public GrainStateTooLargeException()
    {
    }

    public GrainStateTooLargeException(string message)
        : base(message)
    {
    }

    public GrainStateTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GrainStateTooLargeException(GrainId grainId, string stateName, long size, long limit)
        : base($"state '{stateName}' of grain {grainId} is {size} bytes serialised, over the limit of {limit} bytes of the Kubernetes storage provider (a ConfigMap holds at most 1 MiB); keep less in grain state or use another provider for this grain type")
    {
        GrainId = grainId;
        StateName = stateName;
        Size = size;
        Limit = limit;
    }

    public GrainId? GrainId { get; }

    public string? StateName { get; }

    /// <summary>Serialised size in bytes.</summary>
    public long Size { get; }

    public long Limit { get; }
}
