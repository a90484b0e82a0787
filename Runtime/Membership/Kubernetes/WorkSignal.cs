namespace MultigresOrleans.Runtime.Membership.Kubernetes;

/// <summary>
/// A coalescing wake-up for a single-consumer loop: any number of <see cref="Set"/> calls while the
/// loop is busy cause exactly one more pass. It also knows whether work is pending or running,
/// which lets tests on a fake clock wait for the membership to settle before moving time on.
/// </summary>
internal sealed class WorkSignal
{
    private readonly Lock gate = new();
    private long requested;
    private long completed;
    private TaskCompletionSource? waiter;

    public void Set()
    {
        TaskCompletionSource? wake;
        lock (gate)
        {
            requested++;
            wake = waiter;
            waiter = null;
        }

        wake?.TrySetResult();
    }

    /// <summary>True when every request has been served to completion.</summary>
    public bool IsIdle
    {
        get
        {
            lock (gate)
                return requested == completed;
        }
    }

    /// <summary>Waits for a request; returns the request count the pass serves (give it to <see cref="Completed"/>).</summary>
    public async Task<long> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (gate)
            {
                if (requested > completed)
                    return requested;
                waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                next = waiter.Task;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Completed(long served)
    {
        lock (gate)
            completed = Math.Max(completed, served);
    }
}
