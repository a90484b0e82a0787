using System.Collections.Concurrent;

namespace MultigresOrleans.KubeSim.Observability;

/// <summary>
/// Request counts by verb, resource, user and status code, so benchmarks can ask "how many writes
/// did the operator make" without parsing logs.
/// </summary>
public sealed class RequestCounters
{
    public readonly record struct Key(string Verb, string Resource, string User, int Status);

    private readonly ConcurrentDictionary<Key, long> counts = new();

    public void Increment(string verb, string resource, string user, int status) =>
        counts.AddOrUpdate(new Key(verb, resource, user, status), 1, (_, n) => n + 1);

    public IReadOnlyDictionary<Key, long> Snapshot() => new Dictionary<Key, long>(counts);

    public long Count(string? verb = null, string? resource = null, string? user = null, int? status = null) =>
        counts.Where(p => (verb is null || p.Key.Verb == verb) && (resource is null || p.Key.Resource == resource)
                          && (user is null || p.Key.User == user) && (status is null || p.Key.Status == status))
              .Sum(p => p.Value);

    /// <summary>Writes (create, update, patch, delete, deletecollection) counted so far.</summary>
    public long Writes(string? user = null) =>
        counts.Where(p => p.Key.Verb is "create" or "update" or "patch" or "delete" or "deletecollection" && (user is null || p.Key.User == user))
              .Sum(p => p.Value);

    public void Reset() => counts.Clear();
}
