namespace MultigresOrleans.Runtime;

/// <summary>The runtime's <see cref="IPersistentState{T}"/>: a state record bound to a provider, a name and a grain.</summary>
internal sealed class PersistentState<TState> : IPersistentState<TState>, IGrainState<TState>, IPersistentStateLoader
{
    private readonly IGrainStorage storage;
    private readonly string stateName;
    private readonly GrainId grainId;

    public PersistentState(IGrainStorage storage, string stateName, GrainId grainId)
    {
        this.storage = storage;
        this.stateName = stateName;
        this.grainId = grainId;
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
}

/// <summary>Lets the activation read every injected state before OnActivateAsync without knowing T.</summary>
internal interface IPersistentStateLoader
{
    Task ReadStateAsync();
}
