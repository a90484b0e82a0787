namespace MultigresOrleans.Runtime;

/// <summary>
/// Base class of grain implementations. A grain's constructor may take services from the silo's
/// service provider and <see cref="IPersistentState{T}"/> parameters marked with
/// <see cref="PersistentStateAttribute"/>. The runtime constructs the grain inside its activation,
/// so the parameterless base constructor finds its context without the grain passing it on.
/// </summary>
public abstract class Grain : IAddressable
{
    protected Grain()
    {
        // The runtime sets the ambient context only for the synchronous duration of the grain's
        // constructor; a grain created with "new" outside the runtime has no identity and fails here.
        Context = ActivationScope.Current
            ?? throw new InvalidOperationException("Grains are created by the runtime; use IGrainFactory.GetGrain to obtain a reference.");
    }

    internal IGrainContext Context { get; }

    public GrainId GrainId => Context.GrainId;

    /// <summary>The key this grain was addressed with.</summary>
    public string GetPrimaryKeyString() => Context.GrainId.Key;

    protected IGrainFactory GrainFactory => Context.GrainFactory;

    /// <summary>The silo's clock; use it instead of DateTime.UtcNow so tests can drive time.</summary>
    protected TimeProvider TimeProvider => Context.TimeProvider;

    /// <summary>Called once, as the activation's first turn, after persistent state was read.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called once, as the activation's last turn; timers are already stopped.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation when the current turn ends; later calls activate it afresh.</summary>
    protected void DeactivateOnIdle() => Context.DeactivateOnIdle();

    /// <summary>
    /// Starts a timer whose ticks run as turns of this activation. The next tick is scheduled only
    /// after the previous tick's task completed, so ticks never overlap even when a tick outlasts the
    /// period. The timer stops when disposed or when the activation deactivates.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        Context.RegisterGrainTimer(callback, new GrainTimerCreationOptions(dueTime, period));

    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options) =>
        Context.RegisterGrainTimer(callback, options);

    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Context.RegisterGrainTimer(ct => callback(state, ct), options);
    }

    /// <summary>
    /// Registers (or replaces) a durable reminder: it is persisted in the reminder table, fires first
    /// after <paramref name="dueTime"/> and then every <paramref name="period"/>, and re-activates
    /// this grain if it is not active. The grain must implement <see cref="IRemindable"/>.
    /// </summary>
    protected Task<IGrainReminder> RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period) =>
        Context.RegisterOrUpdateReminderAsync(reminderName, dueTime, period);

    protected Task UnregisterReminder(IGrainReminder reminder) => Context.UnregisterReminderAsync(reminder);

    protected Task<IGrainReminder?> GetReminder(string reminderName) => Context.GetReminderAsync(reminderName);
}

/// <summary>What a grain sees of its activation.</summary>
internal interface IGrainContext
{
    GrainId GrainId { get; }

    IGrainFactory GrainFactory { get; }

    TimeProvider TimeProvider { get; }

    void DeactivateOnIdle();

    IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options);

    Task<IGrainReminder> RegisterOrUpdateReminderAsync(string reminderName, TimeSpan dueTime, TimeSpan period);

    Task UnregisterReminderAsync(IGrainReminder reminder);

    Task<IGrainReminder?> GetReminderAsync(string reminderName);
}

/// <summary>The ambient context visible to a grain's constructor (set only while the runtime constructs it).</summary>
internal static class ActivationScope
{
    [ThreadStatic]
    private static IGrainContext? current;

    public static IGrainContext? Current => current;

    public static T Construct<T>(IGrainContext context, Func<T> factory)
    {
        var previous = current;
        current = context;
        try
        {
            return factory();
        }
        finally
        {
            current = previous;
        }
    }
}
