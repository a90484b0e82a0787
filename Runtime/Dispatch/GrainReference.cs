using System.Reflection;

namespace MultigresOrleans.Runtime;

/// <summary>
/// The typed reference returned by <see cref="IGrainFactory.GetGrain{TGrainInterface}"/>.
/// <para>
/// Why <see cref="DispatchProxy"/>: it gives a real implementation of any grain interface without a
/// build-time source generator and without this project emitting IL itself (DispatchProxy generates
/// one proxy type per interface, once, inside the framework). Everything per method is compiled to
/// delegates at registration (<see cref="GrainMethod"/>), so a call is a dictionary lookup plus two
/// delegate invocations and an argument array; moving to a Roslyn source generator later would remove
/// only the array and the lookup. The class must stay unsealed and public for DispatchProxy to derive from it.
/// </para>
/// </summary>
public class GrainReference : DispatchProxy
{
    private GrainCaller? caller;
    private GrainInterfaceMetadata? metadata;

    /// <summary>The identity this reference addresses.</summary>
    public GrainId GrainId { get; private set; }

    internal void Initialize(GrainCaller caller, GrainInterfaceMetadata metadata, GrainId grainId)
    {
        this.caller = caller;
        this.metadata = metadata;
        GrainId = grainId;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (!metadata!.Methods.TryGetValue(targetMethod, out var method))
            throw new NotSupportedException($"{targetMethod.Name} is not a grain method of {metadata.InterfaceType.Name}.");
        return method.Convert(caller!(GrainId, method, args ?? []));
    }

    public override bool Equals(object? obj) => obj is GrainReference other && other.GrainId == GrainId;

    public override int GetHashCode() => GrainId.GetHashCode();

    public override string ToString() => $"GrainReference({GrainId})";
}

/// <summary>Delivers a call to wherever the grain lives (today: the local catalog).</summary>
internal delegate Task<object?> GrainCaller(GrainId grainId, GrainMethod method, object?[] args);
