using System.Globalization;

namespace MultigresOrleans.Tests.Shared;

/// <summary>
/// A TimeProvider whose clock moves only when a test calls <see cref="Advance"/>. Timers that fall
/// due within the advanced span fire synchronously inside Advance, in due order, each with the clock
/// set to its due time, so a callback that re-arms a timer during the advance fires again if still
/// in range. Every wait in the code under test is thereby driven by the test, never by real time.
/// Shared by every test project (linked from Tests/Shared).
/// </summary>
public sealed class FakeTimeProvider(DateTimeOffset? start = null) : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<FakeTimer> _timers = [];
    private readonly List<(long Due, TaskCompletionSource Armed)> _armWaiters = [];
    private readonly DateTimeOffset _origin = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks;
    private long _sequence;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _origin + TimeSpan.FromTicks(_ticks);
    }

    public override long GetTimestamp()
    {
        lock (_lock) return _ticks;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Timers scheduled to fire (not disposed, not infinite).</summary>
    public int PendingTimers
    {
        get { lock (_lock) return _timers.Count(t => t.Due is not null); }
    }

    /// <summary>The earliest pending due time, relative to now.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            lock (_lock)
            {
                var due = _timers.Where(t => t.Due is not null).Select(t => t.Due!.Value).DefaultIfEmpty(long.MaxValue).Min();
                return due == long.MaxValue ? null : TimeSpan.FromTicks(due - _ticks);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_lock) _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Completes when some timer is armed to fire at exactly <paramref name="due"/>. Tests use it to
    /// know that a timer re-armed itself (asynchronously, after a tick) before they move time on.
    /// </summary>
    public async Task WhenArmed(DateTimeOffset due, TimeSpan? deadline = null)
    {
        var armed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dueTicks = (due - _origin).Ticks;
        lock (_lock)
        {
            if (_timers.Any(t => t.Due == dueTicks))
                return;
            _armWaiters.Add((dueTicks, armed));
        }

        try
        {
            await armed.Task.WaitAsync(deadline ?? TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            string seen;
            lock (_lock)
                seen = string.Join(", ", _timers.Where(t => t.Due is not null).Select(t => (_origin + TimeSpan.FromTicks(t.Due!.Value)).ToString("O", CultureInfo.InvariantCulture)));
            throw new Xunit.Sdk.XunitException($"expected a timer armed for {due:O}; now is {GetUtcNow():O} and timers are armed for [{seen}]");
        }
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way, in order.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target;
        lock (_lock) target = _ticks + delta.Ticks;
        while (true)
        {
            FakeTimer? next;
            lock (_lock)
            {
                next = _timers.Where(t => t.Due is not null && t.Due <= target).OrderBy(t => t.Due).ThenBy(t => t.Sequence).FirstOrDefault();
                if (next is null)
                {
                    _ticks = target;
                    return;
                }
                var due = next.Due!.Value;
                if (due > _ticks)
                    _ticks = due;
                next.Due = next.Period is { } p && p > TimeSpan.Zero ? due + p.Ticks : null;
                if (next.Due is { } rearmed)
                    NotifyArmedLocked(rearmed);
            }
            next.Fire();
        }
    }

    private void NotifyArmedLocked(long due)
    {
        for (var i = _armWaiters.Count - 1; i >= 0; i--)
        {
            if (_armWaiters[i].Due == due)
            {
                _armWaiters[i].Armed.TrySetResult();
                _armWaiters.RemoveAt(i);
            }
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long? Due { get; set; }
        public TimeSpan? Period { get; private set; }
        public long Sequence { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                Sequence = ++owner._sequence;
                Period = period == Timeout.InfiniteTimeSpan ? null : period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._ticks + Math.Max(0, dueTime.Ticks);
                if (Due is { } due)
                    owner.NotifyArmedLocked(due);
            }
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._lock)
            {
                Due = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
