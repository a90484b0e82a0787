using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>What a Cell CR is built from: its gateway, the gateway pods' tolerations and its local topology server (if any).</summary>
public sealed record ResolvedCell(MultigatewaySpec Multigateway, PodPlacementSpec? MultigatewayPlacement, LocalTopoServerSpec? LocalTopoServer);

/// <summary>
/// One cell through the chain of spec §2.3–2.4: CellTemplate (own <c>cellTemplate</c> →
/// <c>templateDefaults.cellTemplate</c> → namespace <c>default</c>) → <c>overrides</c> → inline <c>spec</c>
/// → hard-coded defaults.
/// </summary>
public static class CellResolver
{
    public static ResolvedCell ResolveCell(MultigresClusterSpec cluster, CellConfig cell, ITemplateSource templates)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(cell);
        var template = TemplateLookup.Cell(templates, GlobalResolver.FirstNonEmpty(cell.CellTemplate, cluster.TemplateDefaults?.CellTemplate));
        return Merge(cell.Name, template, cell.Overrides, cell.Spec);
    }

    /// <summary>
    /// The merge itself, exposed for table tests. The local topology server is polymorphic (etcd or
    /// external), so an inline one replaces the template's wholesale instead of merging; overrides cannot
    /// set it. It is optional: no layer naming one means the cell uses the global topology server.
    /// </summary>
    public static ResolvedCell Merge(string cellName, CellTemplateSpec? template, CellOverrides? overrides, CellInlineSpec? inline)
    {
        var gateway = template?.Multigateway ?? new MultigatewaySpec();
        var placement = template?.MultigatewayPlacement;
        var localTopo = template?.LocalTopoServer;

        if (overrides is not null)
        {
            gateway = MergeRules.MergeGateway(gateway, overrides.Multigateway);
            placement = MergeRules.MergePlacement(placement, overrides.MultigatewayPlacement);
        }

        if (inline is not null)
        {
            gateway = MergeRules.MergeGateway(gateway, inline.Multigateway);
            placement = MergeRules.MergePlacement(placement, inline.MultigatewayPlacement);
            localTopo = inline.LocalTopoServer ?? localTopo;
        }

        return new ResolvedCell(
            HardcodedDefaults.ApplyGateway(gateway),
            placement,
            localTopo is null ? null : HardcodedDefaults.ApplyLocalTopo(localTopo, cellName));
    }
}
