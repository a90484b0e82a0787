using Microsoft.Extensions.Logging;
using MultigresOrleans.Runtime.Introspection;

namespace MultigresOrleans.Runtime;

internal enum ActivationState
{
    Activating,
    Valid,
    Deactivating,
    Invalid,
}

/// <summary>
/// One activation of a grain and its turn-based scheduler.
/// <para>
/// Invariant: at most one non-read-only work item runs at a time, and nothing else runs beside it;
/// read-only items may run together when no normal item is running. Items start in FIFO order, so a
/// normal call waiting behind read-only ones is never starved. All grain code, including the
/// continuations of its awaits, runs on this activation's exclusive <see cref="TaskScheduler"/>, so
/// even interleaved read-only calls never execute grain code on two threads at once (the same
/// guarantee Orleans' activation scheduler gives).
/// </para>
/// <para>
/// Lifecycle: Activating (the first turn constructs the grain, reads its persistent state and runs
/// OnActivateAsync) → Valid → Deactivating (timers stopped, OnDeactivateAsync as the last turn) →
/// Invalid. The catalog removes the activation only when it is Invalid, so a new activation of the
/// same grain can never overlap the old one's OnDeactivateAsync; work arriving meanwhile waits for
/// <see cref="Deactivated"/> and goes to the next activation.
/// </para>
/// </summary>
internal sealed class ActivationData : IGrainContext
{
    private readonly Lock gate = new();
    private readonly Queue<WorkItem> queue = new();
    private readonly TaskScheduler scheduler = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default).ExclusiveScheduler;
    private readonly TaskCompletionSource deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource lifetime = new();
    private readonly List<GrainTimer> timers = [];
    private readonly SiloRuntime runtime;
    private readonly DateTimeOffset createdAt;
    private readonly RecentCalls recentCalls;

    private ActivationState state = ActivationState.Activating;
    private int running;
    private bool runningExclusive;
    private bool deactivateRequested;
    private DeactivationReason requestedReason;
    private DateTimeOffset lastActivity;
    private DateTimeOffset? activatedAt;
    private Grain? grain;

    // Set once by the activation turn; read by introspection from any thread.
    private volatile IReadOnlyList<IPersistentStateLoader> persistentStates = [];

    public ActivationData(SiloRuntime runtime, GrainId grainId)
    {
        this.runtime = runtime;
        GrainId = grainId;
        createdAt = runtime.TimeProvider.GetUtcNow();
        lastActivity = createdAt;
        recentCalls = new RecentCalls(runtime.Options.RecentCallsPerActivation);
    }

    public GrainId GrainId { get; }

    public IGrainFactory GrainFactory => runtime.GrainFactory;

    public TimeProvider TimeProvider => runtime.TimeProvider;

    /// <summary>Completes when this activation is gone (deactivated or failed to activate).</summary>
    public Task Deactivated => deactivated.Task;

    /// <summary>Cancelled when deactivation starts; timer callbacks receive it.</summary>
    public CancellationToken Lifetime => lifetime.Token;

    internal ActivationState State
    {
        get
        {
            lock (gate)
            {
                return state;
            }
        }
    }

    /// <summary>Runs the activation turn. Called once by the catalog after this activation won the race to exist.</summary>
    public void Start()
    {
        lock (gate)
        {
            running = 1;
            runningExclusive = true;
        }

        _ = ActivateAsync();
    }

    /// <summary>Queues work; false when this activation is going away (wait for <see cref="Deactivated"/> and retry).</summary>
    public bool TryEnqueue(WorkItem item)
    {
        Actions actions;
        lock (gate)
        {
            if (state is ActivationState.Deactivating or ActivationState.Invalid)
                return false;
            queue.Enqueue(item);
            actions = state == ActivationState.Valid ? ScheduleLocked() : default;
        }

        Perform(actions);
        return true;
    }

    public void DeactivateOnIdle() => RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle"));

    /// <summary>Deactivates when the running turn (if any) ends; queued calls go to the next activation.</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        Actions actions = default;
        lock (gate)
        {
            if (deactivateRequested || state is ActivationState.Deactivating or ActivationState.Invalid)
                return;
            deactivateRequested = true;
            requestedReason = reason;
            if (state == ActivationState.Valid)
                actions = ScheduleLocked();
        }

        Perform(actions);
    }

    /// <summary>Starts idle deactivation if nothing ran or waited since <paramref name="idleSince"/>.</summary>
    public bool TryCollectIfIdle(DateTimeOffset idleSince)
    {
        Actions actions;
        lock (gate)
        {
            if (state != ActivationState.Valid || deactivateRequested || running != 0 || queue.Count != 0 || lastActivity > idleSince)
                return false;
            deactivateRequested = true;
            requestedReason = new DeactivationReason(DeactivationReasonCode.ActivationIdle, "idle longer than the collection age");
            actions = ScheduleLocked();
        }

        Perform(actions);
        return true;
    }

    /// <summary>Simulated crash: timers stop and nothing more runs here; OnDeactivateAsync does not run.</summary>
    public void Abandon()
    {
        List<GrainTimer> stopping;
        lock (gate)
        {
            state = ActivationState.Invalid;
            queue.Clear();
            stopping = [.. timers];
            timers.Clear();
        }

        foreach (var timer in stopping)
            timer.Dispose();
        lifetime.Cancel();
    }

    public IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new GrainTimer(this, callback, options, runtime.Logger);
        lock (gate)
        {
            if (state is ActivationState.Deactivating or ActivationState.Invalid)
            {
                timer.Dispose();
                throw new InvalidOperationException($"{GrainId} is deactivating; it cannot start timers.");
            }

            timers.Add(timer);
        }

        timer.Start();
        return timer;
    }

    internal void RemoveTimer(GrainTimer timer)
    {
        lock (gate)
        {
            timers.Remove(timer);
        }
    }

    public Task<IGrainReminder> RegisterOrUpdateReminderAsync(string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        if (grain is not IRemindable)
            throw new InvalidOperationException($"{GrainId} registers reminder '{reminderName}' but its class does not implement IRemindable.");
        return runtime.Reminders.RegisterOrUpdateAsync(GrainId, reminderName, dueTime, period, CancellationToken.None);
    }

    public Task UnregisterReminderAsync(IGrainReminder reminder) =>
        runtime.Reminders.UnregisterAsync(GrainId, reminder, CancellationToken.None);

    public Task<IGrainReminder?> GetReminderAsync(string reminderName) =>
        runtime.Reminders.GetAsync(GrainId, reminderName, CancellationToken.None);

    private async Task ActivateAsync()
    {
        try
        {
            await RunTurn(async () =>
            {
                var created = runtime.Registry.Class(GrainId.Type).Create(runtime, this);
                grain = created.Grain;
                persistentStates = created.States;
                foreach (var persistent in created.States)
                    await persistent.ReadStateAsync().ConfigureAwait(true);
                using var timeout = new CancellationTokenSource(runtime.Options.ActivationTimeout, runtime.TimeProvider);
                await created.Grain.OnActivateAsync(timeout.Token).ConfigureAwait(true);
                return null;
            }).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.ActivationFailed(runtime.Logger, GrainId, exception);
            List<WorkItem> failed;
            List<GrainTimer> started;
            lock (gate)
            {
                state = ActivationState.Invalid;
                failed = [.. queue];
                queue.Clear();
                started = [.. timers];
                timers.Clear();
            }

            // Timers the grain started in a failed OnActivateAsync must not outlive it.
            foreach (var timer in started)
                timer.Dispose();

            runtime.Catalog.Remove(this);
            lifetime.Cancel();
            deactivated.TrySetResult();
            foreach (var item in failed)
                item.Fail(exception);
            return;
        }

        Log.Activated(runtime.Logger, GrainId);
        runtime.Catalog.OnActivated(GrainId);
        Actions actions;
        lock (gate)
        {
            state = ActivationState.Valid;
            running = 0;
            runningExclusive = false;
            lastActivity = runtime.TimeProvider.GetUtcNow();
            activatedAt = lastActivity;
            actions = ScheduleLocked();
        }

        Perform(actions);
    }

    private async Task ExecuteAsync(WorkItem item)
    {
        object? result = null;
        Exception? failure = null;
        // Timer ticks stay out of the recent-calls ring: a fast timer would push every call out of it.
        var recorded = item.Kind != WorkKind.Timer;
        var startedAt = recorded ? runtime.TimeProvider.GetUtcNow() : default;
        var started = recorded ? runtime.TimeProvider.GetTimestamp() : 0;
        try
        {
            result = await RunTurn(() => item.Body(grain!)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every grain exception belongs to the caller; it is handed over below.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            failure = exception;
        }

        if (recorded)
            recentCalls.Record(item.Name, item.Kind, startedAt, runtime.TimeProvider.GetElapsedTime(started), failure);

        // Record the activity before the caller can observe the result, so a caller that moves the
        // clock on right after its call returns cannot make this activation look idle for longer.
        if (item.KeepAlive)
        {
            lock (gate)
            {
                lastActivity = runtime.TimeProvider.GetUtcNow();
            }
        }

        if (failure is null)
            item.Complete(result);
        else
            item.Fail(failure);

        Actions actions;
        lock (gate)
        {
            running--;
            if (!item.ReadOnly)
                runningExclusive = false;
            actions = ScheduleLocked();
        }

        Perform(actions);
    }

    private async Task DeactivateAsync(DeactivationReason reason, List<WorkItem> forward)
    {
        List<GrainTimer> stopping;
        lock (gate)
        {
            stopping = [.. timers];
            timers.Clear();
        }

        foreach (var timer in stopping)
            timer.Dispose();
        await lifetime.CancelAsync().ConfigureAwait(false);

        try
        {
            await RunTurn(async () =>
            {
                using var timeout = new CancellationTokenSource(runtime.Options.DeactivationTimeout, runtime.TimeProvider);
                await grain!.OnDeactivateAsync(reason, timeout.Token).ConfigureAwait(true);
                return null;
            }).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.DeactivationFailed(runtime.Logger, GrainId, exception);
        }

        lock (gate)
        {
            state = ActivationState.Invalid;
        }

        runtime.Catalog.Remove(this);
        runtime.Catalog.OnDeactivated(GrainId);
        Log.Deactivated(runtime.Logger, GrainId, reason.ReasonCode);
        deactivated.TrySetResult();
        foreach (var item in forward)
            runtime.Forward(GrainId, item);
    }

    /// <summary>
    /// What introspection shows of this activation; null once it is gone. Never takes the grain's
    /// turn: the gate is held only to copy the scheduler's fields, and the persistent states are
    /// serialised as they are (see <see cref="IPersistentStateLoader.Inspect"/>).
    /// </summary>
    public GrainSnapshot? Inspect()
    {
        ActivationState current;
        DateTimeOffset? activated;
        DateTimeOffset activity;
        int queued;
        int turns;
        GrainTimer[] registered;
        lock (gate)
        {
            current = state;
            activated = activatedAt;
            activity = lastActivity;
            queued = queue.Count;
            turns = running;
            registered = [.. timers];
        }

        if (current == ActivationState.Invalid)
            return null;
        return new GrainSnapshot(
            GrainId.ToString(),
            GrainId.Type,
            GrainId.Key,
            runtime.PartitionOf(GrainId),
            current.ToString(),
            createdAt,
            activated,
            activity,
            queued,
            turns,
            [.. persistentStates.Select(s => s.Inspect())],
            [.. registered.Select(t => t.Inspect())],
            runtime.Reminders.Inspect(GrainId),
            recentCalls.Snapshot());
    }

    /// <summary>Runs grain code on this activation's scheduler, so its awaits resume there too.</summary>
    private Task<object?> RunTurn(Func<Task<object?>> turn) =>
        Task.Factory.StartNew(turn, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap();

    /// <summary>Decides what may start now. Must hold <see cref="gate"/>; the caller performs the result after releasing it.</summary>
    private Actions ScheduleLocked()
    {
        if (deactivateRequested)
        {
            if (running != 0 || state != ActivationState.Valid)
                return default;
            state = ActivationState.Deactivating;
            List<WorkItem> forward = [];
            while (queue.TryDequeue(out var pending))
            {
                if (pending.Forwardable)
                    forward.Add(pending);
            }

            return new Actions(null, requestedReason, forward);
        }

        List<WorkItem>? start = null;
        while (queue.TryPeek(out var next))
        {
            var canStart = running == 0 || (next.ReadOnly && !runningExclusive);
            if (!canStart)
                break;
            queue.Dequeue();
            running++;
            if (!next.ReadOnly)
                runningExclusive = true;
            (start ??= []).Add(next);
        }

        return new Actions(start, null, null);
    }

    private void Perform(Actions actions)
    {
        if (actions.Start is { } start)
        {
            foreach (var item in start)
                _ = ExecuteAsync(item);
        }

        if (actions.Deactivate is { } reason)
            _ = DeactivateAsync(reason, actions.Forward ?? []);
    }

    private readonly record struct Actions(List<WorkItem>? Start, DeactivationReason? Deactivate, List<WorkItem>? Forward);
}
