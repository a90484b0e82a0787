namespace MultigresOrleans.Runtime;

/// <summary>A grain timer; dispose it to stop it. Timers never survive their activation.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes the due time and period. Called during a tick, it applies after the tick completes.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}

/// <summary>
/// How a grain timer runs. <see cref="KeepAlive"/> false (the default, as in Orleans) means ticks do
/// not count as activity, so a grain with only a timer running is still collected when idle.
/// A period of <see cref="Timeout.InfiniteTimeSpan"/> makes a one-shot timer.
/// </summary>
public readonly record struct GrainTimerCreationOptions(TimeSpan DueTime, TimeSpan Period)
{
    public bool KeepAlive { get; init; }
}

/// <summary>A grain that receives durable reminders.</summary>
public interface IRemindable : IGrain
{
    Task ReceiveReminder(string reminderName, TickStatus status);
}

/// <summary>
/// Describes one reminder tick: when the reminder first fired (its schedule's origin), its period,
/// and the scheduled time of this tick (UTC). Missed ticks (silo down) are skipped, not replayed.
/// </summary>
public readonly record struct TickStatus(DateTime FirstTickTime, TimeSpan Period, DateTime CurrentTickTime);

/// <summary>A handle to a registered reminder.</summary>
public interface IGrainReminder
{
    string ReminderName { get; }
}
