namespace MultigresOrleans.Etcd;

/// <summary>
/// How an <see cref="EtcdClient"/> reaches etcd and how hard it tries. The defaults follow the
/// reference topology client (1 s dial timeout) and keep one call bounded: at most
/// <see cref="MaxAttempts"/> × <see cref="RequestTimeout"/> plus the backoff between rounds.
/// </summary>
public sealed record EtcdClientOptions
{
    /// <summary>
    /// Client URLs (<c>http://host:2379</c>) or bare <c>host:port</c> addresses (read as
    /// <c>http://</c>, the form Multigres Cell records use). Tried in order; the client sticks to
    /// the last endpoint that answered.
    /// </summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>Bound on one HTTP exchange with one endpoint.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bound on opening a TCP connection, so a dead endpoint costs little before failover.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Total exchanges one call may make across all endpoints. Defaults to two rounds over the
    /// endpoint list (see <see cref="EffectiveMaxAttempts"/>).
    /// </summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Pause before the second round over the endpoints; doubles each round up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Cap on the pause between rounds.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    internal int EffectiveMaxAttempts => MaxAttempts ?? (2 * Endpoints.Count);

    internal void Validate()
    {
        if (Endpoints is null || Endpoints.Count == 0)
            throw new ArgumentException("at least one etcd endpoint is required", nameof(Endpoints));
        if (RequestTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "must be positive");
        if (EffectiveMaxAttempts < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "must be at least 1");
    }
}
