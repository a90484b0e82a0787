namespace MultigresOrleans.Runtime.Membership;

/// <summary>
/// Implemented by memberships that must join and leave a cluster (the Lease membership). The silo
/// calls <see cref="JoinAsync"/> once its call endpoint listens, and <see cref="LeaveAsync"/> on a
/// graceful stop.
/// </summary>
public interface IMembershipLifecycle
{
    /// <summary>Takes this silo's Lease, publishes its endpoint and waits (bounded) for its first partitions.</summary>
    Task JoinAsync(MembershipJoin join, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the leader to hand this silo's partitions to others (bounded wait), then calls
    /// <paramref name="stopServing"/> (deactivate what is left) and releases the Leases, so the
    /// remaining partitions move at once instead of after lease expiry.
    /// </summary>
    Task LeaveAsync(Func<Task> stopServing, CancellationToken cancellationToken = default);

    /// <summary>
    /// Raised once when the silo fenced itself (it could not renew its Lease in time, or the Lease was
    /// taken from it). It never serves again in this process; a host should exit so Kubernetes restarts it.
    /// </summary>
    event Action<string>? Fenced;
}

/// <param name="Endpoint">Where this silo accepts grain calls (published in its Lease); null for a silo without a transport.</param>
/// <param name="DrainPartitions">Deactivates the silo's activations and stops its reminders in the given partitions (the drain step of a handoff).</param>
public sealed record MembershipJoin(Uri? Endpoint, Func<IReadOnlySet<int>, CancellationToken, Task> DrainPartitions);
