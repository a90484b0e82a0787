using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>Which template kinds a cluster names explicitly (the informational tracking labels, spec §5.1, §6.1 step 5).</summary>
public sealed record TemplateKindsInUse(bool Core, bool Cell, bool Shard);

/// <summary>
/// The templates a cluster references by name, for <c>status.resolvedTemplates</c> and the template watches
/// (spec §6.1 step 12). Only explicit names count: the implicit <c>default</c> fallback is tracked only once
/// the webhook has promoted it into <c>templateDefaults</c> (spec §16.17).
/// </summary>
public static class TemplateUsage
{
    public static ResolvedTemplates ResolvedTemplates(MultigresClusterSpec cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return new ResolvedTemplates
        {
            CoreTemplates = SortedDistinct(CoreNames(cluster)),
            CellTemplates = SortedDistinct(CellNames(cluster)),
            ShardTemplates = SortedDistinct(ShardNames(cluster)),
        };
    }

    public static TemplateKindsInUse KindsInUse(MultigresClusterSpec cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return new TemplateKindsInUse(
            CoreNames(cluster).Any(n => n.Length > 0),
            CellNames(cluster).Any(n => n.Length > 0),
            ShardNames(cluster).Any(n => n.Length > 0));
    }

    private static IEnumerable<string> CoreNames(MultigresClusterSpec c) => NonEmpty(
        c.TemplateDefaults?.CoreTemplate, c.GlobalTopoServer?.TemplateRef, c.Multiadmin?.TemplateRef, c.MultiadminWeb?.TemplateRef);

    private static IEnumerable<string> CellNames(MultigresClusterSpec c) =>
        NonEmpty([c.TemplateDefaults?.CellTemplate, .. (c.Cells ?? []).Select(cell => cell.CellTemplate)]);

    private static IEnumerable<string> ShardNames(MultigresClusterSpec c) => NonEmpty(
    [
        c.TemplateDefaults?.ShardTemplate,
        .. (c.Databases ?? []).SelectMany(d => d.TableGroups ?? []).SelectMany(t => t.Shards ?? []).Select(s => s.ShardTemplate),
    ]);

    private static IEnumerable<string> NonEmpty(params string?[] names) => names.Where(n => !string.IsNullOrEmpty(n))!;

    /// <summary>Null rather than empty, so a cluster without templates stores no empty lists.</summary>
    private static List<string>? SortedDistinct(IEnumerable<string> names)
    {
        var list = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? null : list;
    }
}
