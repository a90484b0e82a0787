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

    public ActivationData GetOrCreate(GrainId grainId)
    {
        if (activations.TryGetValue(grainId, out var existing))
            return existing;
        var created = new ActivationData(runtime, grainId);
        var winner = activations.GetOrAdd(grainId, created);
        if (ReferenceEquals(winner, created))
            created.Start();
        return winner;
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

    /// <summary>Starts deactivating every activation idle since <paramref name="idleSince"/>; returns how many.</summary>
    public int CollectIdle(DateTimeOffset idleSince) => activations.Values.Count(a => a.TryCollectIfIdle(idleSince));
}
