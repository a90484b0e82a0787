namespace MultigresOrleans.Runtime;

/// <summary>
/// The identity of a virtual actor: its grain type name plus a string key. A grain exists
/// conceptually forever; an activation is one in-memory incarnation of it, and the runtime keeps
/// at most one activation per <see cref="GrainId"/>.
/// </summary>
public readonly record struct GrainId
{
    public GrainId(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(key);
        Type = type;
        Key = key;
    }

    public string Type { get; }

    public string Key { get; }

    /// <summary>The canonical text form, <c>type/key</c>; it is also what placement hashes.</summary>
    public override string ToString() => $"{Type}/{Key}";
}
