using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime;

/// <summary>The knobs of a silo. Defaults follow Orleans where Orleans has the same knob.</summary>
public sealed class SiloOptions
{
    /// <summary>This silo's name; under Kubernetes, its pod (and Lease) name.</summary>
    public string SiloName { get; set; } = Environment.MachineName;

    /// <summary>An activation idle (no call or reminder finished) this long is deactivated.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for; an idle activation lives at most CollectionAge + CollectionQuantum.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A call not answered within this time fails with <see cref="TimeoutException"/> (the call may still run).</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The cancellation deadline given to OnActivateAsync.</summary>
    public TimeSpan ActivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The cancellation deadline given to OnDeactivateAsync.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Reminders are durable and cost storage writes; shorter periods belong to grain timers.</summary>
    public TimeSpan MinimumReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Calls (and reminder ticks) each activation remembers for introspection
    /// (<see cref="Introspection.GrainSnapshot.RecentCalls"/>); 0 turns the ring off.
    /// </summary>
    public int RecentCallsPerActivation { get; set; } = 20;

    /// <summary>Number of placement partitions; fixed for the life of a cluster.</summary>
    public int PartitionCount { get; set; } = PartitionHash.DefaultPartitionCount;

    /// <summary>The storage provider used by [PersistentState] without a provider name.</summary>
    public string DefaultStorageName { get; set; } = "Default";

    /// <summary>
    /// Storage provider per grain type for [PersistentState] without a provider name, so deployment
    /// configuration (not grain code) chooses, e.g. Kubernetes objects for one type and blobs for another.
    /// </summary>
    public IDictionary<string, string> StorageByGrainType { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
