using Microsoft.Extensions.Logging;
using MultigresOrleans.Runtime.Introspection;

namespace MultigresOrleans.Runtime;

/// <summary>
/// A grain timer. The underlying <see cref="ITimer"/> is always one-shot: it is re-armed only after a
/// tick's turn has completed, which is what guarantees that ticks never overlap themselves however
/// long a tick takes (a slow tick delays the next one instead of stacking up behind it).
/// </summary>
internal sealed class GrainTimer : IGrainTimer
{
    private readonly Lock gate = new();
    private readonly ActivationData activation;
    private readonly Func<CancellationToken, Task> callback;
    private readonly ILogger logger;
    private readonly bool keepAlive;
    private readonly ITimer timer;
    private TimeSpan dueTime;
    private TimeSpan period;
    private TimeSpan? dueAfterTick;
    private bool tickInProgress;
    private bool disposed;
    private DateTimeOffset? nextDue; // for introspection only: when the one-shot timer was last armed to fire

    public GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback, GrainTimerCreationOptions options, ILogger logger)
    {
        ValidateTimes(options.DueTime, options.Period);
        this.activation = activation;
        this.callback = callback;
        this.logger = logger;
        keepAlive = options.KeepAlive;
        dueTime = options.DueTime;
        period = options.Period;
        timer = activation.TimeProvider.CreateTimer(static s => ((GrainTimer)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Start()
    {
        lock (gate)
        {
            if (!disposed)
                ArmLocked(dueTime);
        }
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        ValidateTimes(dueTime, period);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            this.dueTime = dueTime;
            this.period = period;
            if (tickInProgress)
                dueAfterTick = dueTime;
            else
                ArmLocked(dueTime);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
                return;
            disposed = true;
        }

        timer.Dispose();
        activation.RemoveTimer(this);
    }

    private void OnTimer()
    {
        lock (gate)
        {
            if (disposed || tickInProgress)
                return;
            tickInProgress = true;
            nextDue = null;
        }

        var token = activation.Lifetime;
        var tick = new WorkItem(WorkKind.Timer, "timer", readOnly: false, keepAlive, async _ =>
        {
            await callback(token).ConfigureAwait(true);
            return null;
        });
        if (!activation.TryEnqueue(tick))
            return;
        tick.Completion.ContinueWith(AfterTick, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void AfterTick(Task<object?> tick)
    {
        if (tick.Exception is { } failure)
            Log.TimerTickFailed(logger, activation.GrainId, failure.InnerException ?? failure);
        lock (gate)
        {
            tickInProgress = false;
            if (disposed)
                return;
            var next = dueAfterTick ?? period;
            dueAfterTick = null;
            if (next != Timeout.InfiniteTimeSpan)
                ArmLocked(next);
        }
    }

    /// <summary>Introspection: the configuration and whether a tick is due or running.</summary>
    public GrainTimerSnapshot Inspect()
    {
        lock (gate)
        {
            return new GrainTimerSnapshot(
                dueTime == Timeout.InfiniteTimeSpan ? null : dueTime,
                period == Timeout.InfiniteTimeSpan ? null : period,
                nextDue,
                tickInProgress,
                keepAlive);
        }
    }

    /// <summary>Arms the one-shot timer. Must hold <see cref="gate"/>.</summary>
    private void ArmLocked(TimeSpan due)
    {
        nextDue = due == Timeout.InfiniteTimeSpan ? null : activation.TimeProvider.GetUtcNow() + due;
        timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private static void ValidateTimes(TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "must be non-negative or infinite");
        if (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(period), period, "must be positive or infinite");
    }
}
