namespace MultigresOrleans.Runtime.Tests;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    [ReadOnly]
    Task<int> Get();

    ValueTask<int> GetValue();

    ValueTask Touch();

    /// <summary>Enters a critical region, hops threads twice, and leaves; the probe counts overlaps.</summary>
    Task CheckedTurn();

    /// <summary>A read-only call that records entry and waits for a gate.</summary>
    [ReadOnly]
    Task ReadAndHold(string gateName);

    /// <summary>A normal call that records entry and waits for a gate.</summary>
    Task WriteAndHold(string gateName);

    Task Fail(string message);

    Task Deactivate();

    Task<string> CallOther(string key);

    Task StartTimer(TimeSpan due, TimeSpan period, string? tickGate);

    Task StopTimer();

    Task<int> ActivationNumber();
}

public sealed class CounterGrain(Probe probe) : Grain, ICounterGrain
{
    private static int activations;
    private int value;
    private int activationNumber;
    private IGrainTimer? timer;
    private int ticks;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activationNumber = Interlocked.Increment(ref activations);
        probe.Activated(GetPrimaryKeyString());
        probe.Record($"activate:{GetPrimaryKeyString()}");
        return GetPrimaryKeyString().StartsWith("fail-activation", StringComparison.Ordinal)
            ? throw new InvalidOperationException("activation refused")
            : Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record($"deactivating:{GetPrimaryKeyString()}:{reason.ReasonCode}");
        if (GetPrimaryKeyString().StartsWith("slow-deactivation", StringComparison.Ordinal))
            await probe.Gate($"deactivate:{GetPrimaryKeyString()}");
        probe.Deactivated(GetPrimaryKeyString());
        probe.Record($"deactivated:{GetPrimaryKeyString()}");
    }

    public Task<int> Increment() => Task.FromResult(++value);

    public Task<int> Get() => Task.FromResult(value);

    public ValueTask<int> GetValue() => ValueTask.FromResult(value);

    public ValueTask Touch() => ValueTask.CompletedTask;

    public async Task CheckedTurn()
    {
        probe.Enter(GetPrimaryKeyString());
        await Task.Yield();
        await Task.Run(() => { });
        probe.Exit(GetPrimaryKeyString());
    }

    public async Task ReadAndHold(string gateName)
    {
        probe.Record($"read-enter:{gateName}");
        await probe.Gate(gateName);
        probe.Record($"read-exit:{gateName}");
    }

    public async Task WriteAndHold(string gateName)
    {
        probe.Record($"write-enter:{gateName}");
        await probe.Gate(gateName);
        probe.Record($"write-exit:{gateName}");
    }

    public Task Fail(string message) => throw new InvalidOperationException(message);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<string> CallOther(string key) =>
        GrainFactory.GetGrain<ICounterGrain>(key).Increment().ContinueWith(t => $"{key}={t.Result}", TaskScheduler.Current);

    public Task StartTimer(TimeSpan due, TimeSpan period, string? tickGate)
    {
        timer = RegisterGrainTimer(
            async ct =>
            {
                var n = ++ticks;
                probe.Enter(GetPrimaryKeyString());
                probe.Record($"tick-start:{n}");
                if (tickGate is not null)
                    await probe.Gate($"{tickGate}:{n}");
                await Task.Yield();
                probe.Record($"tick-end:{n}");
                probe.Exit(GetPrimaryKeyString());
            },
            due,
            period);
        return Task.CompletedTask;
    }

    public Task StopTimer()
    {
        timer?.Dispose();
        return Task.CompletedTask;
    }

    public Task<int> ActivationNumber() => Task.FromResult(activationNumber);
}

public interface IReminderGrain : IGrainWithStringKey
{
    Task Register(string name, TimeSpan due, TimeSpan period);

    Task Unregister(string name);

    Task<bool> Has(string name);

    Task Deactivate();
}

public sealed class ReminderGrain(Probe probe) : Grain, IReminderGrain, IRemindable
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Record($"activate:{GetPrimaryKeyString()}");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record($"deactivated:{GetPrimaryKeyString()}");
        return Task.CompletedTask;
    }

    public Task Register(string name, TimeSpan due, TimeSpan period) => RegisterOrUpdateReminder(name, due, period);

    public async Task Unregister(string name)
    {
        var reminder = await GetReminder(name) ?? throw new InvalidOperationException($"no reminder {name}");
        await UnregisterReminder(reminder);
    }

    public async Task<bool> Has(string name) => await GetReminder(name) is not null;

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        probe.Record($"reminder:{GetPrimaryKeyString()}:{reminderName}:{status.FirstTickTime:O}:{status.Period}:{status.CurrentTickTime:O}");
        return Task.CompletedTask;
    }
}

public sealed record CartState
{
    public List<string> Items { get; init; } = [];

    public int Version { get; set; }
}

public interface ICartGrain : IGrainWithStringKey
{
    Task Add(string item);

    [ReadOnly]
    Task<IReadOnlyList<string>> Items();

    Task<(bool Exists, string? Etag)> Info();

    Task Reload();

    Task Clear();
}

public sealed class CartGrain([PersistentState("cart")] IPersistentState<CartState> cart, Probe probe) : Grain, ICartGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated($"cart/{GetPrimaryKeyString()}");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivated($"cart/{GetPrimaryKeyString()}");
        return Task.CompletedTask;
    }

    public async Task Add(string item)
    {
        cart.State.Items.Add(item);
        cart.State.Version++;
        await cart.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> Items() => Task.FromResult<IReadOnlyList<string>>([.. cart.State.Items]);

    public Task<(bool Exists, string? Etag)> Info() => Task.FromResult((cart.RecordExists, cart.Etag));

    public Task Reload() => cart.ReadStateAsync();

    public Task Clear() => cart.ClearStateAsync();
}

/// <summary>A state whose serialisation fails, as it would if the grain changed it under the serialiser.</summary>
public sealed class BrokenState
{
    public int Value => throw new InvalidOperationException("the grain is changing me");
}

public interface IBrokenStateGrain : IGrainWithStringKey
{
    Task Touch();
}

public sealed class BrokenStateGrain([PersistentState("broken")] IPersistentState<BrokenState> state) : Grain, IBrokenStateGrain
{
    public Task Touch() => Task.FromResult(state.RecordExists);
}
