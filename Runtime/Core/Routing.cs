using MultigresOrleans.Runtime.Membership;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime;

/// <summary>
/// Carries a call to another silo. The in-process cluster implements it with a direct method call;
/// <see cref="Transport.RemoteGrainTransport"/> (HTTP/2, HMAC-authenticated, System.Text.Json) between pods.
/// Implementations throw <see cref="SiloUnavailableException"/> when the target cannot be reached and
/// pass through <see cref="GrainOwnershipMovedException"/> from the target.
/// </summary>
internal interface IGrainTransport
{
    Task<object?> SendAsync(string targetSilo, GrainId grainId, GrainMethod method, object?[] args);
}

/// <summary>The target silo does not own the grain's partition (any more, or not yet).</summary>
public sealed class GrainOwnershipMovedException : Exception
{
    public GrainOwnershipMovedException()
    {
    }

    public GrainOwnershipMovedException(string message)
        : base(message)
    {
    }

    public GrainOwnershipMovedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GrainOwnershipMovedException(GrainId grainId, string silo)
        : base($"silo {silo} does not own {grainId} now")
    {
        GrainId = grainId;
    }

    public GrainId GrainId { get; }
}

/// <summary>The silo is stopped, crashed or unreachable.</summary>
public sealed class SiloUnavailableException : Exception
{
    public SiloUnavailableException()
    {
    }

    public SiloUnavailableException(string silo)
        : base($"silo {silo} is not available")
    {
    }

    public SiloUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Sends each call to the silo the current partition map names, locally or through the transport.
/// When the target refuses (ownership moved, silo gone), the router waits for a partition map newer
/// than the one it used and tries again, until the call timeout. A refused call never ran, so the
/// retry keeps the call at-most-once.
/// </summary>
internal sealed class GrainRouter(
    IMembershipOracle membership,
    IGrainTransport? transport,
    Func<GrainId, GrainMethod, object?[], Task<object?>>? local,
    TimeProvider time,
    TimeSpan callTimeout)
{
    public async Task<object?> RouteAsync(GrainId grainId, GrainMethod method, object?[] args)
    {
        var deadline = time.GetUtcNow() + callTimeout;
        var backoff = FirstRetryPause;
        var partition = PartitionHash.PartitionOf(grainId, membership.CurrentMap.PartitionCount);
        while (true)
        {
            var map = membership.CurrentMap;
            var owner = map.OwnerOf(partition);
            try
            {
                if (local is not null && string.Equals(owner, membership.SiloName, StringComparison.Ordinal))
                    return await local(grainId, method, args).ConfigureAwait(false);
                if (transport is null)
                    throw new InvalidOperationException($"{grainId} belongs to silo {owner} but this silo has no transport to other silos");
                return await transport.SendAsync(owner, grainId, method, args).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is GrainOwnershipMovedException or SiloUnavailableException)
            {
                // This silo itself stopped: no newer map will make it serve again, so fail now.
                if (exception is SiloUnavailableException && local is not null && string.Equals(owner, membership.SiloName, StringComparison.Ordinal))
                    throw;
                var remaining = deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                    throw new TimeoutException($"{method.Name} on {grainId}: no silo accepted the call within {callTimeout}", exception);
                // A newer map usually explains the refusal; but the refusing silo may itself lag behind
                // the map this caller has, so retry after a growing pause even without a newer map.
                await WaitForMapNewerThan(map.Version, remaining < backoff ? remaining : backoff, deadline, grainId, method, exception).ConfigureAwait(false);
                backoff = backoff * 2 < MaxRetryPause ? backoff * 2 : MaxRetryPause;
            }
        }
    }

    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(2);

    private async Task WaitForMapNewerThan(long version, TimeSpan timeout, DateTimeOffset callDeadline, GrainId grainId, GrainMethod method, Exception cause)
    {
        var newer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(PartitionMap map)
        {
            if (map.Version > version)
                newer.TrySetResult();
        }

        membership.MapChanged += OnChanged;
        try
        {
            if (membership.CurrentMap.Version > version)
                return;
            await newer.Task.WaitAsync(timeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException) when (time.GetUtcNow() >= callDeadline)
        {
            throw new TimeoutException($"{method.Name} on {grainId}: the owner refused the call and no newer partition map than v{version} arrived in time", cause);
        }
        catch (TimeoutException)
        {
            // The pause is over: try the same owner again.
        }
        finally
        {
            membership.MapChanged -= OnChanged;
        }
    }
}
