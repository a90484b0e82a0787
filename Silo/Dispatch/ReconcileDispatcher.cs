using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Grains;

namespace MultigresOrleans.Silo.Dispatch;

/// <summary>Which grain a request is for: the grain kind and its key.</summary>
public readonly record struct GrainTarget(GrainKind Kind, string Key)
{
    public override string ToString() => $"{Kind}/{Key}";
}

public enum GrainKind
{
    Cluster,
    Cell,
    TableGroup,
    TopoServer,
    Shard,
    Template,
}

/// <summary>
/// The work queue of one silo: informer events become reconcile requests for grains this silo
/// owns. Per grain at most one reconcile runs, and any number of events that arrive meanwhile
/// coalesce into one more run afterwards (the controller-runtime work queue's per-key guarantee,
/// which turn-based grains would give anyway, minus the pile-up of identical calls). A reconcile
/// that fails is retried with exponential backoff; one that asks to requeue is run again after its
/// delay. Timers run on the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class ReconcileDispatcher : IAsyncDisposable
{
    private readonly Func<GrainTarget, bool> _owns;
    private readonly Func<GrainTarget, Task<ReconcileResult>> _reconcile;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<GrainTarget, Entry> _entries = new();
    private readonly CancellationTokenSource _stopping = new();

    public ReconcileDispatcher(Func<GrainTarget, bool> owns, Func<GrainTarget, Task<ReconcileResult>> reconcile, TimeProvider time, ILogger<ReconcileDispatcher> logger)
    {
        _owns = owns;
        _reconcile = reconcile;
        _time = time;
        _logger = logger;
    }

    /// <summary>First retry delay after a failed reconcile; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Delay before retrying a reconcile that lost an optimistic-concurrency race (409).</summary>
    public TimeSpan ConflictRetry { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Reconciles started so far (for tests and metrics).</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>Requests dropped because another silo owns the grain.</summary>
    public long NotOwned => Interlocked.Read(ref _notOwned);

    /// <summary>Number of grains with a reconcile running or pending.</summary>
    public int Busy => _entries.Values.Count(e => e.Running);

    private long _started;
    private long _notOwned;

    /// <summary>Ask for a reconcile of <paramref name="target"/> if this silo owns it.</summary>
    public void Enqueue(GrainTarget target)
    {
        if (_stopping.IsCancellationRequested)
            return;
        if (!_owns(target))
        {
            Interlocked.Increment(ref _notOwned);
            return;
        }

        var entry = _entries.GetOrAdd(target, _ => new Entry());
        lock (entry)
        {
            if (entry.Running)
            {
                entry.Dirty = true; // coalesce: one more run after the current one
                return;
            }

            entry.Running = true;
        }

        _ = Task.Run(() => RunAsync(target, entry));
    }

    private async Task RunAsync(GrainTarget target, Entry entry)
    {
        while (!_stopping.IsCancellationRequested)
        {
            lock (entry)
                entry.Dirty = false;
            Interlocked.Increment(ref _started);
            TimeSpan? next;
            try
            {
                var result = await _reconcile(target).ConfigureAwait(false);
                entry.Failures = 0;
                next = result.RequeueAfter;
            }
            catch (Kubernetes.Client.ConflictException)
            {
                // Someone changed the object between our read and our optimistic-lock write: routine under
                // concurrent writers. Retry soon from the fresher cache, quietly and without growing the backoff.
                Log.Conflict(_logger, target.ToString());
                next = ConflictRetry;
            }
#pragma warning disable CA1031 // A failed reconcile is logged and retried with backoff; it must not stop the dispatcher.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                entry.Failures++;
                var delay = Backoff(entry.Failures);
                Log.Failed(_logger, exception, target.ToString(), entry.Failures, delay);
                next = delay;
            }

            if (next is { } delay2)
                Schedule(target, entry, delay2);
            lock (entry)
            {
                if (!entry.Dirty)
                {
                    entry.Running = false;
                    return;
                }
            }
        }
    }

    private void Schedule(GrainTarget target, Entry entry, TimeSpan delay)
    {
        lock (entry)
        {
            var due = _time.GetUtcNow() + delay;
            if (entry.Timer is not null && entry.TimerDue <= due)
                return; // an earlier requeue is already pending
            entry.Timer?.Dispose();
            entry.TimerDue = due;
            entry.Timer = _time.CreateTimer(_ =>
            {
                lock (entry)
                {
                    entry.Timer?.Dispose();
                    entry.Timer = null;
                }

                Enqueue(target);
            }, null, delay, Timeout.InfiniteTimeSpan);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(InitialBackoff.Ticks * factor, MaxBackoff.Ticks));
        return delay;
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        foreach (var entry in _entries.Values)
        {
            lock (entry)
                entry.Timer?.Dispose();
        }

        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Entry
    {
        public bool Running;
        public bool Dirty;
        public int Failures;
        public ITimer? Timer;
        public DateTimeOffset TimerDue;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "reconcile of {Target} failed (attempt {Attempt}); retrying in {Delay}")]
        public static partial void Failed(ILogger logger, Exception exception, string target, int attempt, TimeSpan delay);

        [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "reconcile of {Target} hit a write conflict; retrying from the fresher cache")]
        public static partial void Conflict(ILogger logger, string target);
    }
}
