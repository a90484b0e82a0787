namespace MultigresOrleans.Kubernetes.Client;

/// <summary>
/// Read-modify-write with optimistic concurrency, like client-go's <c>retry.RetryOnConflict</c>:
/// the action reads the latest object, changes it and writes it with the resourceVersion it read;
/// when another writer got there first (409 Conflict) the whole action runs again on fresh data.
/// </summary>
public static class ConflictRetry
{
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> readModifyWrite, int maxAttempts = 5,
        TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readModifyWrite);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAttempts);
        var time = timeProvider ?? TimeProvider.System;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await readModifyWrite(cancellationToken).ConfigureAwait(false);
            }
            catch (ConflictException) when (attempt < maxAttempts)
            {
                // A short, growing pause lets the competing writer's change land before we re-read.
                await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
