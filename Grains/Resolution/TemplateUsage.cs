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

    /// <summary>
    /// True when <paramref name="cluster"/> uses the <paramref name="kind"/> template <paramref name="name"/>:
    /// by name anywhere, or — for <c>default</c> — through the namespace fallback of any component
    /// that names no template of that kind (spec §2.3 level 3, §16.17). This is the set the template
    /// grain guards and wakes, so it includes clusters the controller has not reconciled yet.
    /// </summary>
    public static bool Uses(MultigresClusterSpec cluster, string kind, string name)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var (named, components) = kind switch
        {
            ApiConstants.CoreTemplateKind => (CoreNames(cluster), new[] { cluster.TemplateDefaults?.CoreTemplate }),
            ApiConstants.CellTemplateKind => (CellNames(cluster),
                (cluster.Cells ?? []).Select(c => c.CellTemplate ?? cluster.TemplateDefaults?.CellTemplate).ToArray()),
            ApiConstants.ShardTemplateKind => (ShardNames(cluster),
                (cluster.Databases ?? []).SelectMany(d => d.TableGroups ?? []).SelectMany(t => t.Shards ?? [])
                    .Select(s => s.ShardTemplate ?? cluster.TemplateDefaults?.ShardTemplate).ToArray()),
            _ => throw new ArgumentException($"'{kind}' is not a template kind", nameof(kind)),
        };
        if (named.Contains(name, StringComparer.Ordinal))
            return true;
        return name == TemplateLookup.FallbackName && components.Any(string.IsNullOrEmpty);
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
