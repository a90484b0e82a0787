namespace MultigresOrleans.Kubernetes.Client;

/// <summary>Decides when a request may be sent. Called once per attempt, retries included.</summary>
public interface IRequestRateLimiter
{
    ValueTask WaitAsync(CancellationToken cancellationToken);
}

/// <summary>No client-side limit: every request goes at once.</summary>
public sealed class UnlimitedRateLimiter : IRequestRateLimiter
{
    public static readonly UnlimitedRateLimiter Instance = new();
    public ValueTask WaitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>
/// A token bucket in the reservation style of Go's <c>x/time/rate</c> (which client-go uses): a
/// caller takes a token immediately, possibly driving the balance negative, and then waits for
/// the time the bucket needs to pay it back. Waiters are therefore served in arrival order and
/// the wait is computed once, with no polling; time comes from the injected TimeProvider.
/// </summary>
public sealed class TokenBucketRateLimiter : IRequestRateLimiter
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _last;

    public TokenBucketRateLimiter(double qps, int burst, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        Qps = qps;
        Burst = burst;
        _time = timeProvider ?? TimeProvider.System;
        _tokens = burst;
        _last = _time.GetTimestamp();
    }

    public double Qps { get; }
    public int Burst { get; }

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TimeSpan wait;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(Burst, _tokens + _time.GetElapsedTime(_last, now).TotalSeconds * Qps);
            _last = now;
            _tokens -= 1;
            if (_tokens >= 0) return ValueTask.CompletedTask;
            // Task.Delay works in whole milliseconds and truncates: round up so a wait is never
            // a fraction short of paying the debt back (which would let the rate creep above Qps).
            wait = TimeSpan.FromMilliseconds(Math.Ceiling(-_tokens * 1000 / Qps));
        }
        return new ValueTask(WaitSlowAsync(wait, cancellationToken));
    }

    private async Task WaitSlowAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The request will not be sent: give the token back so later callers do not pay for it.
            lock (_lock) _tokens = Math.Min(Burst, _tokens + 1);
            throw;
        }
    }
}
