using System.Text.Json;
using MultigresOrleans.Runtime.Introspection;

namespace MultigresOrleans.Runtime;

/// <summary>The runtime's <see cref="IPersistentState{T}"/>: a state record bound to a provider, a name and a grain.</summary>
internal sealed class PersistentState<TState> : IPersistentState<TState>, IGrainState<TState>, IPersistentStateLoader
{
    private readonly IGrainStorage storage;
    private readonly string stateName;
    private readonly GrainId grainId;
    private readonly string providerName;

    public PersistentState(IGrainStorage storage, string stateName, GrainId grainId, string providerName)
    {
        this.storage = storage;
        this.stateName = stateName;
        this.grainId = grainId;
        this.providerName = providerName;
        State = NewState();
    }

    public TState State { get; set; }

    public string? ETag { get; set; }

    public string? Etag => ETag;

    public bool RecordExists { get; set; }

    public Task ReadStateAsync() => storage.ReadStateAsync(stateName, grainId, this);

    public Task WriteStateAsync() => storage.WriteStateAsync(stateName, grainId, this);

    public async Task ClearStateAsync()
    {
        await storage.ClearStateAsync(stateName, grainId, this).ConfigureAwait(true);
        State = NewState();
    }

    internal static TState NewState() => Activator.CreateInstance<TState>();

    public PersistentStateSnapshot Inspect()
    {
        // Read the fields as they are, from whatever thread asks: taking the grain's turn would make a
        // dashboard wait behind (or deadlock with) a busy grain. The ETag and state may be a write apart.
        var etag = ETag;
        var exists = RecordExists;
        var serializer = (storage as IStateSerializerSource)?.Serializer ?? GrainStateSerializer.Default;
        try
        {
            return new PersistentStateSnapshot(stateName, providerName, typeof(TState).FullName ?? typeof(TState).Name, etag, exists, serializer.SerializeToElement(State), null);
        }
#pragma warning disable CA1031 // A state changing under the serialiser (e.g. "collection was modified") is reported, not thrown.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new PersistentStateSnapshot(stateName, providerName, typeof(TState).FullName ?? typeof(TState).Name, etag, exists, null, $"{exception.GetType().Name}: {exception.Message}");
        }
    }
}

/// <summary>Lets the activation read every injected state before OnActivateAsync, and introspection show it, without knowing T.</summary>
internal interface IPersistentStateLoader
{
    Task ReadStateAsync();

    /// <summary>The state, ETag and RecordExists as they are now, serialised by the provider's serialiser; never throws.</summary>
    PersistentStateSnapshot Inspect();
}

/// <summary>
/// Implemented by storage providers that serialise with a <see cref="GrainStateSerializer"/>, so
/// introspection shows a state exactly as the provider would store it (same resolvers and naming).
/// Other providers' states are shown with <see cref="GrainStateSerializer.Default"/>.
/// </summary>
internal interface IStateSerializerSource
{
    GrainStateSerializer Serializer { get; }
}
