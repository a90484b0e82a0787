using System.Collections.Concurrent;
using System.Globalization;

namespace MultigresOrleans.Runtime;

/// <summary>
/// In-memory grain storage with the same ETag contract as the durable providers, for unit tests.
/// State is kept serialised (not as live objects) so a test sees exactly what a real provider would
/// round-trip, and two activations never share one mutable object.
/// </summary>
public sealed class MemoryGrainStorage(GrainStateSerializer? serializer = null) : IGrainStorage, IStateSerializerSource
{
    private readonly ConcurrentDictionary<string, Entry> records = new(StringComparer.Ordinal);
    private readonly GrainStateSerializer serializer = serializer ?? GrainStateSerializer.Default;

    private long version;

    GrainStateSerializer IStateSerializerSource.Serializer => serializer;

    /// <summary>Number of stored records (for tests).</summary>
    public int Count => records.Count;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (records.TryGetValue(Key(stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.Data);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = PersistentState<T>.NewState();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = Key(stateName, grainId);
        var next = new Entry(serializer.Serialize(grainState.State), NextETag());
        var ok = grainState.ETag is null
            ? records.TryAdd(key, next)
            : records.TryGetValue(key, out var current) && current.ETag == grainState.ETag && records.TryUpdate(key, next, current);
        if (!ok)
            throw Conflict("write", key, grainState.ETag);
        grainState.ETag = next.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = Key(stateName, grainId);
        if (grainState.ETag is null)
        {
            if (records.ContainsKey(key))
                throw Conflict("clear", key, null);
        }
        else if (!records.TryGetValue(key, out var current) || current.ETag != grainState.ETag || !records.TryRemove(KeyValuePair.Create(key, current)))
        {
            throw Conflict("clear", key, grainState.ETag);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private InconsistentStateException Conflict(string operation, string key, string? expected)
    {
        var stored = records.TryGetValue(key, out var entry) ? entry.ETag : null;
        return new InconsistentStateException($"{operation} of {key} expected ETag '{expected ?? "<none>"}' but storage has '{stored ?? "<none>"}'", stored, expected);
    }

    private string NextETag() => Interlocked.Increment(ref version).ToString(CultureInfo.InvariantCulture);

    private static string Key(string stateName, GrainId grainId) => $"{stateName}\n{grainId}";

    private sealed record Entry(byte[] Data, string ETag);
}
