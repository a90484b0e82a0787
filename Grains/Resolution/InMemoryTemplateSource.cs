using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>An immutable set of templates keyed by name: a namespace snapshot, or a test fixture.</summary>
public sealed class InMemoryTemplateSource : ITemplateSource
{
    public static readonly InMemoryTemplateSource Empty = new([], [], []);

    private readonly Dictionary<string, CoreTemplate> _core;
    private readonly Dictionary<string, CellTemplate> _cell;
    private readonly Dictionary<string, ShardTemplate> _shard;

    public InMemoryTemplateSource(
        IEnumerable<CoreTemplate> core,
        IEnumerable<CellTemplate> cell,
        IEnumerable<ShardTemplate> shard)
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(shard);
        _core = core.ToDictionary(t => t.Metadata.Name ?? string.Empty, StringComparer.Ordinal);
        _cell = cell.ToDictionary(t => t.Metadata.Name ?? string.Empty, StringComparer.Ordinal);
        _shard = shard.ToDictionary(t => t.Metadata.Name ?? string.Empty, StringComparer.Ordinal);
    }

    public CoreTemplate? Core(string name) => _core.GetValueOrDefault(name);

    public CellTemplate? Cell(string name) => _cell.GetValueOrDefault(name);

    public ShardTemplate? Shard(string name) => _shard.GetValueOrDefault(name);
}
