using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MultigresOrleans.Runtime;

/// <summary>
/// A grain's persistent state, injected into the grain's constructor through a parameter marked with
/// <see cref="PersistentStateAttribute"/>. The runtime reads it before OnActivateAsync. Writes are
/// guarded by <see cref="Etag"/>: a write based on a stale read fails with
/// <see cref="InconsistentStateException"/> instead of overwriting someone else's write.
/// </summary>
public interface IPersistentState<TState>
{
    TState State { get; set; }

    /// <summary>The version of the stored record this state was read from or last written as; null when there is none.</summary>
    string? Etag { get; }

    bool RecordExists { get; }

    Task ReadStateAsync();

    Task WriteStateAsync();

    /// <summary>Removes the stored record and resets <see cref="State"/> to a new value.</summary>
    Task ClearStateAsync();
}

/// <summary>What a storage provider reads and writes: the state and its version.</summary>
public interface IGrainState<TState>
{
    TState State { get; set; }

    string? ETag { get; set; }

    bool RecordExists { get; set; }
}

/// <summary>
/// A grain storage provider. Contract (the same as Orleans'): Read fills State/ETag/RecordExists
/// (a new State and null ETag when there is no record); Write succeeds only if the stored ETag still
/// equals <see cref="IGrainState{T}.ETag"/> (null: only if no record exists) and sets the new ETag;
/// Clear deletes under the same condition. A failed condition throws <see cref="InconsistentStateException"/>.
/// </summary>
public interface IGrainStorage
{
    Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState);

    Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState);

    Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState);
}

/// <summary>Marks a grain constructor parameter of type IPersistentState&lt;T&gt;.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    public string StateName { get; } = stateName;

    /// <summary>The registered storage provider's name; null means <see cref="SiloOptions.DefaultStorageName"/>.</summary>
    public string? StorageName { get; } = storageName;
}

/// <summary>
/// Thrown when a write or clear was based on a version of the record that is no longer current:
/// another activation (or an operator) changed it. The grain should re-read and decide again.
/// </summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException()
    {
    }

    public InconsistentStateException(string message)
        : base(message)
    {
    }

    public InconsistentStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InconsistentStateException(string message, string? storedEtag, string? currentEtag, Exception? innerException = null)
        : base(message, innerException)
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    /// <summary>The version in storage, when the provider knows it.</summary>
    public string? StoredEtag { get; }

    /// <summary>The version the failed operation expected.</summary>
    public string? CurrentEtag { get; }
}

/// <summary>
/// Serialises grain state with System.Text.Json. Types are resolved through
/// <see cref="JsonSerializerOptions.GetTypeInfo(Type)"/>, so a caller who inserts a source-generated
/// <c>JsonSerializerContext</c> into <see cref="JsonSerializerOptions.TypeInfoResolverChain"/> gets
/// reflection-free serialisation; types it does not cover fall back to the reflection resolver.
/// </summary>
public sealed class GrainStateSerializer
{
    public GrainStateSerializer(JsonSerializerOptions? options = null)
    {
        Options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        Options.MakeReadOnly(populateMissingResolver: true);
    }

    public static GrainStateSerializer Default { get; } = new();

    public JsonSerializerOptions Options { get; }

    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>());

    /// <summary>The value as a JSON tree, for introspection (same type resolution as <see cref="Serialize{T}"/>).</summary>
    public JsonElement SerializeToElement<T>(T value) => JsonSerializer.SerializeToElement(value, TypeInfo<T>());

    public T Deserialize<T>(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, TypeInfo<T>()) ?? throw new JsonException($"stored {typeof(T).Name} is null");

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}
