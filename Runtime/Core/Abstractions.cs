namespace MultigresOrleans.Runtime;

/// <summary>Marker for anything that is addressed through the runtime (Orleans' IAddressable).</summary>
#pragma warning disable CA1040 // Marker interfaces are the Orleans programming model.
public interface IAddressable;

/// <summary>Marker for grain interfaces.</summary>
public interface IGrain : IAddressable;

/// <summary>A grain addressed by a string key. Every method must return Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
public interface IGrainWithStringKey : IGrain;
#pragma warning restore CA1040

/// <summary>Creates typed references to grains. A reference is cheap, needs no activation and can be kept.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey;
}

/// <summary>
/// Marks a grain interface method as read-only: calls to it may interleave with other read-only
/// calls on the same activation (never with a normal call). The method must not change grain state.
/// Continuations still run one at a time on the activation's scheduler, as in Orleans.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>Names a grain class's type in <see cref="GrainId"/>s (default: the class name, lower case, without a "Grain" suffix).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Why an activation is going away; passed to <see cref="Grain.OnDeactivateAsync"/>.</summary>
public enum DeactivationReasonCode
{
    None,
    ApplicationRequested,
    ActivationIdle,
    ShuttingDown,
    ActivationFailed,
}

public readonly record struct DeactivationReason(DeactivationReasonCode ReasonCode, string Description);
