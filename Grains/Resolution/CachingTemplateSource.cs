using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>
/// Per-request memoisation (spec §13.2 "per-resolver caching"): a found template is served from the cache
/// on the second lookup, so one admission or reconcile sees one version of each template; a miss is not
/// cached, so the implicit <c>default</c> fallback is looked up again each time (it may be created meanwhile).
/// Not thread-safe: make one per request.
/// </summary>
public sealed class CachingTemplateSource(ITemplateSource inner) : ITemplateSource
{
    private readonly Dictionary<string, CoreTemplate> _core = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CellTemplate> _cell = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardTemplate> _shard = new(StringComparer.Ordinal);

    public CoreTemplate? Core(string name) => Cached(_core, name, inner.Core);

    public CellTemplate? Cell(string name) => Cached(_cell, name, inner.Cell);

    public ShardTemplate? Shard(string name) => Cached(_shard, name, inner.Shard);

    private static T? Cached<T>(Dictionary<string, T> cache, string name, Func<string, T?> fetch)
        where T : class
    {
        if (cache.TryGetValue(name, out var hit))
            return hit;
        var found = fetch(name);
        if (found is not null)
            cache[name] = found;
        return found;
    }
}
