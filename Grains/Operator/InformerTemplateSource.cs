using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Operator;

/// <summary>The templates of one namespace as the silo's informers see them.</summary>
public sealed class InformerTemplateSource(ObservedState observed, string @namespace) : ITemplateSource
{
    public CoreTemplate? Core(string name) => observed.CoreTemplates.Cache.Get(@namespace, name);

    public CellTemplate? Cell(string name) => observed.CellTemplates.Cache.Get(@namespace, name);

    public ShardTemplate? Shard(string name) => observed.ShardTemplates.Cache.Get(@namespace, name);
}
