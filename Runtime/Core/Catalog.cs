using System.Collections.Concurrent;

namespace MultigresOrleans.Runtime;

/// <summary>
/// The silo's activations. Creation is race-free by construction: concurrent first calls all go
/// through <see cref="ConcurrentDictionary{TKey,TValue}.GetOrAdd(TKey,TValue)"/>, only the winner's
/// activation is started, and an activation leaves the dictionary only after it finished
/// deactivating — so within a silo there is never more than one activation per grain.
/// </summary>
internal sealed class Catalog(SiloRuntime runtime)
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> activations = new();
    private long activated;
    private long deactivated;

    public int Count => activations.Count;

    public long TotalActivated => Interlocked.Read(ref activated);

    public long TotalDeactivated => Interlocked.Read(ref deactivated);

    /// <summary>
    /// Delivers <paramref name="item"/> to the grain's activation, creating it if needed. The call that
    /// creates an activation is queued before the activation starts, so it is the first call that
    /// activation serves (and fails with its activation error) — never bounced to a later activation.
    /// Returns false when the activation is deactivating (the caller waits for it and tries again).
    /// </summary>
    public bool TryDeliver(GrainId grainId, WorkItem item, out ActivationData activation)
    {
        if (activations.TryGetValue(grainId, out var existing))
        {
            activation = existing;
            return existing.TryEnqueue(item);
        }

        var created = new ActivationData(runtime, grainId);
        activation = activations.GetOrAdd(grainId, created);
        if (!ReferenceEquals(activation, created))
            return activation.TryEnqueue(item);
        var accepted = created.TryEnqueue(item);
        created.Start();
        return accepted;
    }

    public bool TryGet(GrainId grainId, out ActivationData? activation) => activations.TryGetValue(grainId, out activation);

    public void Remove(ActivationData activation) =>
        activations.TryRemove(KeyValuePair.Create(activation.GrainId, activation));

    public void OnActivated(GrainId grainId)
    {
        Interlocked.Increment(ref activated);
        RuntimeMetrics.Activations.Add(1, RuntimeMetrics.Tags(runtime.Options.SiloName, grainId));
    }

    public void OnDeactivated(GrainId grainId)
    {
        Interlocked.Increment(ref deactivated);
        RuntimeMetrics.Activations.Add(-1, RuntimeMetrics.Tags(runtime.Options.SiloName, grainId));
    }

    /// <summary>Live activations per grain type (introspection).</summary>
    public IReadOnlyDictionary<string, int> CountByType() =>
        activations.Keys.GroupBy(id => id.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public IReadOnlyList<ActivationData> Snapshot() => [.. activations.Values];

    /// <summary>Grains with an activation, enumerated lazily (no copy of the catalog; a caller may stop early).</summary>
    public IEnumerable<GrainId> GrainIds()
    {
        foreach (var pair in activations)
            yield return pair.Key;
    }

    /// <summary>Starts deactivating every activation idle since <paramref name="idleSince"/>; returns how many.</summary>
    public int CollectIdle(DateTimeOffset idleSince) => activations.Values.Count(a => a.TryCollectIfIdle(idleSince));
}
