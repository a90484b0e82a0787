using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Informers;

/// <summary>Computes the index values of an object (zero, one or many).</summary>
public delegate IEnumerable<string> IndexFunc<in T>(T obj, ObjectMeta metadata);

/// <summary>The index functions most controllers need.</summary>
public static class Indexers
{
    public const string Namespace = "namespace";
    public const string OwnerUid = "ownerUid";

    public static IEnumerable<string> ByNamespace<T>(T obj, ObjectMeta metadata) =>
        metadata.Namespace is { } ns ? [ns] : [];

    public static IEnumerable<string> ByOwnerUid<T>(T obj, ObjectMeta metadata) =>
        metadata.OwnerReferences?.Select(o => o.Uid) ?? [];

    /// <summary>The name of the index on one label's value, as registered by <see cref="ByLabel{T}"/>.</summary>
    public static string LabelIndexName(string labelKey) => "label:" + labelKey;

    public static IndexFunc<T> ByLabel<T>(string labelKey) =>
        (_, metadata) => metadata.Labels is { } labels && labels.TryGetValue(labelKey, out var v) ? [v] : [];
}

/// <summary>
/// A thread-safe map of objects keyed <c>namespace/name</c> (or <c>name</c> when cluster-scoped)
/// with secondary indexes, kept equal to the server by an informer. Readers get the same
/// instances the informer stores: treat them as read-only (copy before changing one).
/// </summary>
public sealed class InformerCache<T> where T : class
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Index> _indexes = new(StringComparer.Ordinal);

    private sealed record Entry(T Object, ObjectMeta Metadata, Dictionary<string, string[]> IndexValues);

    private sealed record Index(IndexFunc<T> Func, Dictionary<string, HashSet<string>> Values);

    public static string KeyOf(ObjectMeta metadata) =>
        string.IsNullOrEmpty(metadata.Namespace) ? metadata.Name ?? "" : $"{metadata.Namespace}/{metadata.Name}";

    public static string KeyOf(string? @namespace, string name) => string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";

    public int Count
    {
        get { lock (_lock) return _items.Count; }
    }

    /// <summary>Adds an index; existing objects are indexed at once.</summary>
    public void AddIndex(string name, IndexFunc<T> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        lock (_lock)
        {
            if (_indexes.ContainsKey(name)) throw new InvalidOperationException($"index '{name}' already exists");
            var index = new Index(func, new Dictionary<string, HashSet<string>>(StringComparer.Ordinal));
            _indexes.Add(name, index);
            foreach (var (key, entry) in _items)
            {
                var values = func(entry.Object, entry.Metadata).Distinct().ToArray();
                entry.IndexValues[name] = values;
                foreach (var v in values) Add(index, v, key);
            }
        }
    }

    public T? Get(string? @namespace, string name) => GetByKey(KeyOf(@namespace, name));

    public T? GetByKey(string key)
    {
        lock (_lock) return _items.TryGetValue(key, out var e) ? e.Object : null;
    }

    public IReadOnlyList<T> List()
    {
        lock (_lock) return _items.Values.Select(e => e.Object).ToList();
    }

    public IReadOnlyList<string> Keys()
    {
        lock (_lock) return _items.Keys.ToList();
    }

    /// <summary>The objects whose index <paramref name="indexName"/> yields <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            if (!_indexes.TryGetValue(indexName, out var index)) throw new KeyNotFoundException($"no index named '{indexName}'");
            return index.Values.TryGetValue(value, out var keys) ? keys.Select(k => _items[k].Object).ToList() : [];
        }
    }

    /// <summary>The distinct values an index currently holds.</summary>
    public IReadOnlyList<string> IndexValues(string indexName)
    {
        lock (_lock)
        {
            if (!_indexes.TryGetValue(indexName, out var index)) throw new KeyNotFoundException($"no index named '{indexName}'");
            return index.Values.Keys.ToList();
        }
    }

    /// <summary>Stores an object; returns the one it replaced.</summary>
    internal T? Upsert(T obj, ObjectMeta metadata)
    {
        var key = KeyOf(metadata);
        lock (_lock)
        {
            var old = RemoveLocked(key);
            var values = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var (name, index) in _indexes)
            {
                var v = index.Func(obj, metadata).Distinct().ToArray();
                values[name] = v;
                foreach (var value in v) Add(index, value, key);
            }
            _items[key] = new Entry(obj, metadata, values);
            return old?.Object;
        }
    }

    internal T? Delete(string key)
    {
        lock (_lock) return RemoveLocked(key)?.Object;
    }

    /// <summary>Resource versions by key, for computing what a relist changed.</summary>
    internal Dictionary<string, (T Object, string? ResourceVersion)> Snapshot()
    {
        lock (_lock) return _items.ToDictionary(kv => kv.Key, kv => (kv.Value.Object, kv.Value.Metadata.ResourceVersion), StringComparer.Ordinal);
    }

    private Entry? RemoveLocked(string key)
    {
        if (!_items.Remove(key, out var old)) return null;
        foreach (var (name, values) in old.IndexValues)
        {
            var index = _indexes[name];
            foreach (var v in values)
            {
                if (index.Values.TryGetValue(v, out var set) && set.Remove(key) && set.Count == 0)
                    index.Values.Remove(v);
            }
        }
        return old;
    }

    private static void Add(Index index, string value, string key)
    {
        if (!index.Values.TryGetValue(value, out var set))
            index.Values[value] = set = new HashSet<string>(StringComparer.Ordinal);
        set.Add(key);
    }
}

/// <summary>Receives an informer's changes, in order, on the informer's dispatch loop (one call at a time).</summary>
public interface IResourceEventHandler<in T> where T : class
{
    /// <param name="obj">The object now in the cache.</param>
    /// <param name="isInInitialList">True for objects delivered by the first list or on handler registration.</param>
    void OnAdd(T obj, bool isInInitialList);

    /// <summary>A change, or with <paramref name="oldObj"/> == <paramref name="newObj"/> a periodic resync.</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <param name="obj">The last state known: from the DELETED event, or the cached one when the deletion was seen only by a relist.</param>
    void OnDelete(T obj);
}

/// <summary>An <see cref="IResourceEventHandler{T}"/> from delegates; unset ones ignore their event.</summary>
public sealed class ResourceEventHandler<T> : IResourceEventHandler<T> where T : class
{
    public Action<T, bool>? Added { get; init; }
    public Action<T, T>? Updated { get; init; }
    public Action<T>? Deleted { get; init; }

    public void OnAdd(T obj, bool isInInitialList) => Added?.Invoke(obj, isInInitialList);
    public void OnUpdate(T oldObj, T newObj) => Updated?.Invoke(oldObj, newObj);
    public void OnDelete(T obj) => Deleted?.Invoke(obj);
}
