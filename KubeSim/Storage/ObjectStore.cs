using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace MultigresOrleans.KubeSim.Storage;

/// <summary>Thrown when a watch or list asks for history the store has compacted away (HTTP 410).</summary>
public sealed class ResourceVersionExpiredException(long requested, long oldest)
    : Exception($"too old resource version: {requested} ({oldest})")
{
    public long Requested { get; } = requested;
    public long Oldest { get; } = oldest;
}

/// <summary>
/// The in-memory etcd: objects as JSON keyed by storage key (plural.group), namespace and name,
/// one cluster-wide resourceVersion counter, and a bounded history of changes that feeds watches.
/// Writes are compare-and-swap on resourceVersion, like etcd transactions under the real API
/// server, so handlers do read-modify-write without holding a lock across admission.
/// </summary>
public sealed class ObjectStore(int historyCapacity = 10_000)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> buckets = new(StringComparer.Ordinal);
    private readonly LinkedList<WatchEvent> history = new();
    private readonly List<Subscription> subscriptions = [];
    private readonly Dictionary<string, int> uids = new(StringComparer.Ordinal);
    private long resourceVersion = 1;

    /// <summary>Events at or below this resourceVersion are gone; watching from older versions answers 410.</summary>
    private long compactedThrough;

    public long CurrentResourceVersion
    {
        get { lock (gate) return resourceVersion; }
    }

    private static string Key(string ns, string name) => ns + "/" + name;

    public JsonObject? Get(string storageKey, string ns, string name)
    {
        lock (gate)
        {
            return buckets.TryGetValue(storageKey, out var bucket) && bucket.TryGetValue(Key(ns, name), out var obj)
                ? (JsonObject)obj.DeepClone()
                : null;
        }
    }

    /// <summary>Objects of one resource (optionally one namespace) in key order, with the list's resourceVersion.</summary>
    public (List<JsonObject> Items, long ResourceVersion) List(string storageKey, string? ns)
    {
        lock (gate)
        {
            var items = new List<JsonObject>();
            if (buckets.TryGetValue(storageKey, out var bucket))
            {
                foreach (var (key, obj) in bucket)
                {
                    if (ns is null || key.StartsWith(ns + "/", StringComparison.Ordinal))
                        items.Add((JsonObject)obj.DeepClone());
                }
            }
            return (items, resourceVersion);
        }
    }

    /// <summary>Objects of any resource matching a predicate, scanned in place and copied only when they match.</summary>
    public List<(string StorageKey, JsonObject Object)> Where(Func<JsonObject, bool> predicate)
    {
        lock (gate)
        {
            var result = new List<(string, JsonObject)>();
            foreach (var (key, bucket) in buckets)
            {
                foreach (var obj in bucket.Values)
                {
                    if (predicate(obj))
                        result.Add((key, (JsonObject)obj.DeepClone()));
                }
            }
            return result;
        }
    }

    /// <summary>
    /// Loads objects saved by a snapshot, keeping their resourceVersions, and moves the counter
    /// past the highest so new writes stay monotonic. History starts empty (older watches get 410).
    /// </summary>
    public void Restore(IEnumerable<(string StorageKey, JsonObject Object)> objects)
    {
        lock (gate)
        {
            foreach (var (key, obj) in objects)
            {
                var ns = obj["metadata"]?["namespace"]?.GetValue<string>() ?? "";
                var name = obj["metadata"]?["name"]?.GetValue<string>() ?? "";
                var stored = JsonNumbers.Normalize(obj);
                BucketFor(key)[Key(ns, name)] = stored;
                RememberUid(stored);
                if (long.TryParse(ResourceVersionOf(stored), NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
                    resourceVersion = Math.Max(resourceVersion, rv);
            }
            history.Clear();
            compactedThrough = resourceVersion;
        }
    }

    /// <summary>Every stored object of every resource.</summary>
    public List<(string StorageKey, JsonObject Object)> Snapshot()
    {
        lock (gate)
            return [.. buckets.SelectMany(b => b.Value.Values.Select(o => (b.Key, (JsonObject)o.DeepClone())))];
    }

    public enum WriteOutcome { Ok, AlreadyExists, NotFound, Conflict }

    /// <summary>
    /// Stores <paramref name="obj"/> if the current object's resourceVersion is still
    /// <paramref name="expectedVersion"/> (null: must not exist). Sets the new resourceVersion on
    /// the object and returns a copy of what was stored.
    /// </summary>
    public (WriteOutcome Outcome, JsonObject? Stored) Put(string storageKey, string ns, string name, JsonObject obj, string? expectedVersion)
    {
        lock (gate)
        {
            var bucket = BucketFor(storageKey);
            var key = Key(ns, name);
            var exists = bucket.TryGetValue(key, out var current);
            if (expectedVersion is null && exists)
                return (WriteOutcome.AlreadyExists, null);
            if (expectedVersion is not null)
            {
                if (!exists)
                    return (WriteOutcome.NotFound, null);
                if (ResourceVersionOf(current!) != expectedVersion)
                    return (WriteOutcome.Conflict, null);
            }

            var stored = JsonNumbers.Normalize(obj);
            var rv = ++resourceVersion;
            Metadata(stored)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            if (exists)
                ForgetUid(current!);
            bucket[key] = stored;
            RememberUid(stored);
            Record(new WatchEvent(exists ? WatchEvent.Modified : WatchEvent.Added, rv, storageKey, ns, name, stored, exists ? current : null));
            return (WriteOutcome.Ok, (JsonObject)stored.DeepClone());
        }
    }

    /// <summary>Removes the object if its resourceVersion is still <paramref name="expectedVersion"/>.</summary>
    public (WriteOutcome Outcome, JsonObject? Deleted) Delete(string storageKey, string ns, string name, string? expectedVersion)
    {
        lock (gate)
        {
            var bucket = BucketFor(storageKey);
            var key = Key(ns, name);
            if (!bucket.TryGetValue(key, out var current))
                return (WriteOutcome.NotFound, null);
            if (expectedVersion is not null && ResourceVersionOf(current) != expectedVersion)
                return (WriteOutcome.Conflict, null);
            bucket.Remove(key);
            ForgetUid(current);
            var rv = ++resourceVersion;
            // A DELETED event carries the last state with the deletion's resourceVersion, as etcd watch does.
            var final = (JsonObject)current.DeepClone();
            Metadata(final)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            Record(new WatchEvent(WatchEvent.Deleted, rv, storageKey, ns, name, final));
            return (WriteOutcome.Ok, (JsonObject)final.DeepClone());
        }
    }

    /// <summary>Drops every object of a resource (a deleted CRD), emitting DELETED events.</summary>
    public void DeleteAll(string storageKey)
    {
        lock (gate)
        {
            if (!buckets.Remove(storageKey, out var bucket))
                return;
            foreach (var (key, obj) in bucket)
            {
                ForgetUid(obj);
                var rv = ++resourceVersion;
                var final = (JsonObject)obj.DeepClone();
                Metadata(final)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
                var slash = key.IndexOf('/', StringComparison.Ordinal);
                Record(new WatchEvent(WatchEvent.Deleted, rv, storageKey, key[..slash], key[(slash + 1)..], final));
            }
        }
    }

    /// <summary>
    /// Starts a watch. With <paramref name="fromVersion"/> null the current objects come back as
    /// synthetic ADDED events ("get state and start at most recent"); otherwise history after that
    /// version is replayed, or <see cref="ResourceVersionExpiredException"/> if it was compacted.
    /// </summary>
    public Subscription Watch(string? storageKey, string? ns, long? fromVersion)
    {
        lock (gate)
        {
            var initial = new List<WatchEvent>();
            if (fromVersion is null)
            {
                foreach (var (bucketKey, bucket) in buckets)
                {
                    if (storageKey is not null && bucketKey != storageKey)
                        continue;
                    foreach (var (key, obj) in bucket)
                    {
                        var slash = key.IndexOf('/', StringComparison.Ordinal);
                        var objNs = key[..slash];
                        if (ns is null || objNs == ns)
                            initial.Add(new WatchEvent(WatchEvent.Added, long.Parse(ResourceVersionOf(obj), CultureInfo.InvariantCulture),
                                bucketKey, objNs, key[(slash + 1)..], (JsonObject)obj.DeepClone()));
                    }
                }
            }
            else
            {
                if (fromVersion.Value < compactedThrough)
                    throw new ResourceVersionExpiredException(fromVersion.Value, compactedThrough + 1);
                foreach (var e in history)
                {
                    if (e.ResourceVersion > fromVersion.Value && Matches(e, storageKey, ns))
                        initial.Add(e with { Object = (JsonObject)e.Object.DeepClone(), Previous = (JsonObject?)e.Previous?.DeepClone() });
                }
            }

            var subscription = new Subscription(this, storageKey, ns, initial, resourceVersion);
            subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Forgets all history (a "410 storm" for fault injection, or compaction in tests).</summary>
    public void Compact()
    {
        lock (gate)
        {
            history.Clear();
            compactedThrough = resourceVersion;
        }
    }

    /// <summary>Whether any stored object has this uid (owner-reference checks by the garbage collector).</summary>
    public bool UidExists(string uid)
    {
        lock (gate)
            return uids.ContainsKey(uid);
    }

    private void RememberUid(JsonObject obj)
    {
        if (obj["metadata"]?["uid"]?.GetValue<string>() is { } uid)
            uids[uid] = uids.GetValueOrDefault(uid) + 1;
    }

    private void ForgetUid(JsonObject obj)
    {
        if (obj["metadata"]?["uid"]?.GetValue<string>() is { } uid && uids.TryGetValue(uid, out var n))
        {
            if (n <= 1)
                uids.Remove(uid);
            else
                uids[uid] = n - 1;
        }
    }

    private static bool Matches(WatchEvent e, string? storageKey, string? ns) =>
        (storageKey is null || e.StorageKey == storageKey) && (ns is null || e.Namespace == ns);

    private void Record(WatchEvent e)
    {
        history.AddLast(e);
        while (history.Count > historyCapacity)
        {
            compactedThrough = history.First!.Value.ResourceVersion;
            history.RemoveFirst();
        }
        foreach (var s in subscriptions)
        {
            if (Matches(e, s.StorageKey, s.Namespace))
                s.Writer.TryWrite(e with { Object = (JsonObject)e.Object.DeepClone(), Previous = (JsonObject?)e.Previous?.DeepClone() });
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (gate)
            subscriptions.Remove(subscription);
        subscription.Writer.TryComplete();
    }

    private SortedDictionary<string, JsonObject> BucketFor(string storageKey)
    {
        if (!buckets.TryGetValue(storageKey, out var bucket))
            buckets[storageKey] = bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        return bucket;
    }

    internal static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject m)
            return m;
        var created = new JsonObject();
        obj["metadata"] = created;
        return created;
    }

    public static string ResourceVersionOf(JsonObject obj) => obj["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "";

    /// <summary>A live watch: the replayed or synthetic initial events, then a channel of changes.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly ObjectStore store;
        private readonly Channel<WatchEvent> channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });

        internal Subscription(ObjectStore store, string? storageKey, string? ns, List<WatchEvent> initial, long startVersion)
        {
            this.store = store;
            StorageKey = storageKey;
            Namespace = ns;
            Initial = initial;
            StartVersion = startVersion;
        }

        public string? StorageKey { get; }
        public string? Namespace { get; }
        public IReadOnlyList<WatchEvent> Initial { get; }

        /// <summary>The store's resourceVersion when the watch started (for the initial-events bookmark).</summary>
        public long StartVersion { get; }
        public ChannelReader<WatchEvent> Events => channel.Reader;
        internal ChannelWriter<WatchEvent> Writer => channel.Writer;

        public void Dispose() => store.Unsubscribe(this);
    }
}
