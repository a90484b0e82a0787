using System.Text;

namespace MultigresOrleans.Etcd;

/// <summary>
/// One stored key. Keys are UTF-8 strings in this API (every key the operator uses is text);
/// values are raw bytes. Revisions are etcd's: <see cref="ModRevision"/> is the cluster revision
/// of the last write to the key and is what compare-and-swap compares.
/// </summary>
public sealed record KeyValue(string Key, byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease)
{
    public string ValueString => Encoding.UTF8.GetString(Value);
}

/// <summary>
/// A read: one key, or every key starting with <see cref="Key"/> when <see cref="Prefix"/> is set.
/// Results come back in ascending key order (etcd's index order).
/// </summary>
public sealed record RangeRequest(string Key)
{
    public bool Prefix { get; init; }

    /// <summary>Maximum number of keys returned; 0 means no limit. <see cref="RangeResult.More"/> tells whether more exist.</summary>
    public long Limit { get; init; }

    /// <summary>Read at this revision (0 = latest).</summary>
    public long Revision { get; init; }

    public bool KeysOnly { get; init; }

    public bool CountOnly { get; init; }

    public static RangeRequest Single(string key) => new(key);

    public static RangeRequest WithPrefix(string prefix, bool keysOnly = false) => new(prefix) { Prefix = true, KeysOnly = keysOnly };
}

/// <summary>The answer to a read. An absent key is an empty <see cref="Kvs"/>, not an error.</summary>
public sealed record RangeResult(IReadOnlyList<KeyValue> Kvs, long Count, bool More, long Revision)
{
    /// <summary>The single key of a single-key read, or null when it does not exist.</summary>
    public KeyValue? Single => Kvs.Count == 0 ? null : Kvs[0];
}

/// <summary>A write's header: the cluster revision after it.</summary>
public sealed record PutResult(long Revision, KeyValue? Previous);

/// <summary>How many keys a delete removed, and the cluster revision after it.</summary>
public sealed record DeleteResult(long Deleted, long Revision);

public enum CompareTarget
{
    Version,
    CreateRevision,
    ModRevision,
    Value,
}

public enum CompareOp
{
    Equal,
    Greater,
    Less,
    NotEqual,
}

/// <summary>
/// One guard of a transaction. A key that does not exist has version, create and mod revision 0,
/// which is how "create if absent" is written (<c>Version == 0</c>).
/// </summary>
public sealed record Compare(string Key, CompareTarget Target, CompareOp Op, long Number = 0, byte[]? Value = null)
{
    public static Compare Version(string key, CompareOp op, long version) => new(key, CompareTarget.Version, op, version);

    public static Compare ModRevision(string key, CompareOp op, long revision) => new(key, CompareTarget.ModRevision, op, revision);

    public static Compare CreateRevision(string key, CompareOp op, long revision) => new(key, CompareTarget.CreateRevision, op, revision);

    public static Compare ValueIs(string key, CompareOp op, byte[] value) => new(key, CompareTarget.Value, op, 0, value);

    /// <summary>True when the key does not exist.</summary>
    public static Compare Absent(string key) => Version(key, CompareOp.Equal, 0);
}

/// <summary>One operation inside a transaction branch.</summary>
public abstract record TxnOp
{
    private protected TxnOp() { }

    public sealed record Get(RangeRequest Request) : TxnOp;

    public sealed record Put(string Key, byte[] Value) : TxnOp;

    public sealed record Delete(string Key, bool Prefix = false) : TxnOp;
}

/// <summary>A transaction: if every compare holds, run <see cref="Success"/>, otherwise <see cref="Failure"/>, atomically.</summary>
public sealed record TxnRequest(IReadOnlyList<Compare> Compares, IReadOnlyList<TxnOp> Success, IReadOnlyList<TxnOp> Failure);

/// <summary>The result of one transaction operation; exactly one member is set, matching the op's kind.</summary>
public sealed record TxnOpResult(RangeResult? Range, PutResult? Put, DeleteResult? Delete);

public sealed record TxnResult(bool Succeeded, long Revision, IReadOnlyList<TxnOpResult> Responses);

/// <summary>
/// Outcome of a guarded write (create-if-absent, compare-and-swap, compare-and-delete). A lost
/// compare is an expected outcome, so it is a value; <see cref="ThrowIfFailed"/> turns it into
/// <see cref="EtcdCompareFailedException"/> for callers that treat it as an error.
/// </summary>
public sealed record CasResult(string Key, bool Succeeded, long Revision, KeyValue? Current)
{
    public CasResult ThrowIfFailed() => Succeeded ? this : throw new EtcdCompareFailedException(Key, Current);
}

/// <summary>Byte-level key helpers shared by the client and its callers.</summary>
public static class EtcdKeys
{
    /// <summary>
    /// The exclusive end of the range holding every key that starts with <paramref name="prefix"/>:
    /// the prefix with its last byte below 0xff incremented and the rest dropped. An empty prefix
    /// (or one of only 0xff bytes) gives "\0", which etcd reads as "to the end of the keyspace".
    /// </summary>
    public static byte[] PrefixEnd(ReadOnlySpan<byte> prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] < 0xff)
            {
                var end = prefix[..(i + 1)].ToArray();
                end[i]++;
                return end;
            }
        }
        return [0];
    }
}

public enum WatchEventType
{
    Put,
    Delete,
}

/// <summary>One change. For a delete, <see cref="Kv"/> carries the key and the deleting revision only.</summary>
public sealed record WatchEvent(WatchEventType Type, KeyValue Kv, KeyValue? PrevKv);

/// <summary>The events of one revision batch, and the cluster revision they bring the watcher to.</summary>
public sealed record WatchBatch(long Revision, IReadOnlyList<WatchEvent> Events);
