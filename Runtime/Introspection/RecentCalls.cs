namespace MultigresOrleans.Runtime.Introspection;

/// <summary>
/// The last N calls of one activation, as a ring of structs: recording overwrites a slot under a
/// small lock (writers are the activation's own turns, so the lock is practically uncontended) and
/// allocates nothing — the exception's type is kept, its name is only looked up by a snapshot.
/// </summary>
internal sealed class RecentCalls(int capacity)
{
    private readonly Lock gate = new();
    private Slot[]? slots; // allocated on the first call, so activations that are never called cost nothing
    private long written;

    public void Record(string name, WorkKind kind, DateTimeOffset startedAt, TimeSpan duration, Exception? failure)
    {
        if (capacity <= 0)
            return;
        lock (gate)
        {
            slots ??= new Slot[capacity];
            slots[written % capacity] = new Slot(name, kind, startedAt, duration, failure?.GetType());
            written++;
        }
    }

    /// <summary>The recorded calls, oldest first.</summary>
    public IReadOnlyList<CallRecord> Snapshot()
    {
        Slot[] copy;
        long count;
        lock (gate)
        {
            if (slots is null)
                return [];
            copy = (Slot[])slots.Clone();
            count = written;
        }

        var kept = (int)Math.Min(count, capacity);
        var records = new CallRecord[kept];
        for (var i = 0; i < kept; i++)
        {
            var slot = copy[(count - kept + i) % capacity];
            records[i] = new CallRecord(
                slot.Name,
                slot.Kind.ToString(),
                slot.StartedAt,
                slot.Duration.TotalMilliseconds,
                slot.Failure is null ? "ok" : slot.Failure.FullName ?? slot.Failure.Name);
        }

        return records;
    }

    private readonly record struct Slot(string Name, WorkKind Kind, DateTimeOffset StartedAt, TimeSpan Duration, Type? Failure);
}
