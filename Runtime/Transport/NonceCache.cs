namespace MultigresOrleans.Runtime.Transport;

/// <summary>
/// Nonces seen in signed requests, each remembered until its request's timestamp leaves the accepted
/// window (after that the timestamp check alone refuses a replay). Bounded: when full of unexpired
/// nonces, new requests are refused rather than letting an old nonce go early (which would re-open
/// a replay). Only requests with a valid signature get here, so only key holders can fill it.
/// </summary>
internal sealed class NonceCache(int capacity)
{
    private readonly Lock gate = new();
    private readonly HashSet<UInt128> seen = [];
    private readonly PriorityQueue<UInt128, long> expiries = new();

    public enum Outcome
    {
        Accepted,
        Replayed,
        Full,
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return seen.Count;
            }
        }
    }

    /// <summary>Records <paramref name="nonce"/> until <paramref name="expiresAtMs"/> (Unix ms); <paramref name="nowMs"/> drops older entries first.</summary>
    public Outcome TryAdd(UInt128 nonce, long expiresAtMs, long nowMs)
    {
        lock (gate)
        {
            while (expiries.TryPeek(out var old, out var expiry) && expiry < nowMs)
            {
                expiries.Dequeue();
                seen.Remove(old);
            }

            if (seen.Contains(nonce))
                return Outcome.Replayed;
            if (seen.Count >= capacity)
                return Outcome.Full;
            seen.Add(nonce);
            expiries.Enqueue(nonce, expiresAtMs);
            return Outcome.Accepted;
        }
    }
}
