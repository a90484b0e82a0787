using System.Text.Json.Serialization;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.ConformanceSilo;

/// <summary>
/// A grain that records each of its activations in its persistent state with ETags: a second
/// activation of the same key while one is live would either find <see cref="ActivationRecord.ActiveOn"/>
/// set or lose the ETag race on its write — both are visible to the test.
/// </summary>
public interface IActivationProbeGrain : IGrainWithStringKey
{
    Task<ProbeReply> Touch();

    [ReadOnly]
    Task<ActivationRecord> Record();
}

public sealed record ProbeReply(string Silo, int Calls, int Activations);

public sealed class ActivationRecord
{
    /// <summary>The silo of the live activation (null after a graceful deactivation).</summary>
    public string? ActiveOn { get; set; }

    public int Activations { get; set; }

    public int Calls { get; set; }

    /// <summary>Silos whose activation was still recorded as live when a new one started (legitimate only after that silo crashed).</summary>
    public List<string> TakenOverFrom { get; set; } = [];
}

[JsonSerializable(typeof(ProbeReply))]
[JsonSerializable(typeof(ActivationRecord))]
public sealed partial class ConformanceJsonContext : JsonSerializerContext;

public sealed class ActivationProbeGrain([PersistentState("probe")] IPersistentState<ActivationRecord> state, SiloIdentity silo) : Grain, IActivationProbeGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var record = state.State;
        record.Activations++;
        if (record.ActiveOn is not null)
            record.TakenOverFrom.Add(record.ActiveOn);
        record.ActiveOn = silo.Name;
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            Console.Out.WriteLine($"VIOLATION {GetPrimaryKeyString()}: another activation wrote the record concurrently");
            throw;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        state.State.ActiveOn = null;
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            Console.Out.WriteLine($"VIOLATION {GetPrimaryKeyString()}: the record changed under a live activation");
        }
    }

    public async Task<ProbeReply> Touch()
    {
        state.State.Calls++;
        await state.WriteStateAsync();
        return new ProbeReply(silo.Name, state.State.Calls, state.State.Activations);
    }

    public Task<ActivationRecord> Record() => Task.FromResult(state.State);
}

/// <summary>This process's silo name, for grains to record.</summary>
public sealed record SiloIdentity(string Name);
