using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>The defaulted cluster and the static-defaulting decisions (spec §2.2).</summary>
public sealed record DefaultingResult(MultigresCluster Cluster, IReadOnlyList<string> Decisions);

/// <summary>
/// What the mutating webhook persists (spec §2.2 steps 2–5). Defaults are made visible only for components
/// that use no template at all: a component backed by a template stays a reference, so editing the template
/// later still changes the cluster (the controller resolves it on every reconcile). The trace annotations of
/// step 6 belong to the webhook, not to this pure function.
/// </summary>
public static class Defaulter
{
    public static DefaultingResult Default(MultigresCluster cluster, ITemplateSource templates)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(templates);

        // One consistent view of each template for the whole request (spec §2.2 step 3).
        var source = new CachingTemplateSource(templates);

        StaticDefaultsResult populated;
        try
        {
            populated = StaticDefaults.Populate(cluster.Spec, source);
        }
        catch (TemplateResolutionException e)
        {
            throw new TemplateResolutionException($"failed to populate cluster defaults: {e.Message}", e);
        }

        var spec = PromoteImplicitDefaults(populated.Spec, source);
        var td = spec.TemplateDefaults;

        // Step 4 makes "templateDefaults set" and "a `default` template exists" coincide, but the reference
        // checks both, and so do we (a failed lookup during promotion counts as "does not exist").
        var usesCore = !string.IsNullOrEmpty(td?.CoreTemplate) || TemplateLookup.Exists(source.Core, TemplateLookup.FallbackName);
        var usesCell = !string.IsNullOrEmpty(td?.CellTemplate) || TemplateLookup.Exists(source.Cell, TemplateLookup.FallbackName);
        var usesShard = !string.IsNullOrEmpty(td?.ShardTemplate) || TemplateLookup.Exists(source.Shard, TemplateLookup.FallbackName);

        if (!usesCore && string.IsNullOrEmpty(spec.GlobalTopoServer?.TemplateRef))
            spec = spec with { GlobalTopoServer = Wrap("globalTopoServer", () => GlobalResolver.ResolveGlobalTopo(spec, source)) };

        if (!usesCore && string.IsNullOrEmpty(spec.Multiadmin?.TemplateRef))
        {
            var resolved = Wrap("multiadmin", () => GlobalResolver.ResolveMultiadmin(spec, source));
            var current = spec.Multiadmin ?? new MultiadminConfig();
            spec = spec with { Multiadmin = current with { Spec = resolved.Spec, Placement = resolved.Placement ?? current.Placement } };
        }

        if (!usesCore && string.IsNullOrEmpty(spec.MultiadminWeb?.TemplateRef))
        {
            var resolved = Wrap("multiadmin-web", () => GlobalResolver.ResolveMultiadminWeb(spec, source));
            spec = spec with { MultiadminWeb = (spec.MultiadminWeb ?? new MultiadminWebConfig()) with { Spec = resolved } };
        }

        if (spec.Cells is { Count: > 0 } cells && !usesCell)
            spec = spec with { Cells = cells.Select(cell => MaterializeCell(spec, cell, source)).ToList() };

        if (!usesShard)
            spec = spec with { Databases = MaterializeShards(spec, source) };

        return new DefaultingResult(cluster with { Spec = spec }, populated.Decisions);
    }

    /// <summary>
    /// Spec §2.2 step 4: an existing <c>default</c> template is written into <c>templateDefaults</c> so the user
    /// sees which template is in use, and so it is tracked like any other reference (spec §16.17).
    /// </summary>
    private static MultigresClusterSpec PromoteImplicitDefaults(MultigresClusterSpec spec, ITemplateSource source)
    {
        var td = spec.TemplateDefaults ?? new TemplateDefaults();
        var promoted = td with
        {
            CoreTemplate = Promote(td.CoreTemplate, source.Core),
            CellTemplate = Promote(td.CellTemplate, source.Cell),
            ShardTemplate = Promote(td.ShardTemplate, source.Shard),
        };
        // Do not grow an empty templateDefaults object when nothing was promoted.
        return promoted == td ? spec : spec with { TemplateDefaults = promoted };
    }

    private static string? Promote<T>(string? current, Func<string, T?> lookup)
        where T : class =>
        string.IsNullOrEmpty(current) && TemplateLookup.Exists(lookup, TemplateLookup.FallbackName)
            ? TemplateLookup.FallbackName
            : current;

    private static CellConfig MaterializeCell(MultigresClusterSpec spec, CellConfig cell, ITemplateSource source)
    {
        if (!string.IsNullOrEmpty(cell.CellTemplate))
            return cell;
        var resolved = Wrap($"cell '{cell.Name}'", () => CellResolver.ResolveCell(spec, cell, source));

        // A cell with `overrides` and no template gets `spec` too and is then rejected by CEL
        // ("cannot specify both 'spec' and 'overrides'"), as in the reference (spec §2.2 step 5).
        return cell with
        {
            Spec = new CellInlineSpec
            {
                Multigateway = resolved.Multigateway,
                MultigatewayPlacement = resolved.MultigatewayPlacement,
                LocalTopoServer = resolved.LocalTopoServer,
            },
        };
    }

    private static List<DatabaseConfig> MaterializeShards(MultigresClusterSpec spec, ITemplateSource source)
    {
        var allCells = spec.Cells?.Select(c => c.Name).ToList() ?? [];
        var databases = new List<DatabaseConfig>();
        foreach (var db in spec.Databases ?? [])
        {
            var tableGroups = new List<TableGroupConfig>();
            foreach (var tg in db.TableGroups ?? [])
            {
                // Cells are passed for the single-cell replicas rule but not materialised, so the stored
                // pools keep meaning "all cells" (spec §2.2 step 5, §16.41).
                var options = new ShardResolveOptions(allCells, ShardResolver.InheritedBackup(spec, db, tg), MaterializeCellDefaults: false);
                var shards = (tg.Shards ?? []).Select(shard => MaterializeShard(spec, shard, options, source)).ToList();
                tableGroups.Add(tg with { Shards = shards });
            }
            databases.Add(db with { TableGroups = tableGroups });
        }
        return databases;
    }

    private static ShardConfig MaterializeShard(MultigresClusterSpec spec, ShardConfig shard, ShardResolveOptions options, ITemplateSource source)
    {
        if (!string.IsNullOrEmpty(shard.ShardTemplate))
            return shard;
        var resolved = Wrap($"shard '{shard.Name}'", () => ShardResolver.ResolveShard(spec, shard, options, source));
        return shard with
        {
            Spec = new ShardInlineSpec
            {
                Multiorch = resolved.Multiorch,
                InitdbArgs = resolved.InitdbArgs,
                PostgresConfigRef = resolved.PostgresConfigRef,
                PostgresConfig = resolved.PostgresConfig,
                Pools = resolved.Pools,
                // The user's inline policy is kept as written; otherwise the resolved (template) one.
                PvcDeletionPolicy = shard.Spec?.PvcDeletionPolicy ?? resolved.PvcDeletionPolicy,
            },
            Backup = resolved.Backup,
        };
    }

    private static T Wrap<T>(string what, Func<T> resolve)
    {
        try
        {
            return resolve();
        }
        catch (TemplateResolutionException e)
        {
            throw new TemplateResolutionException($"failed to resolve {what}: {e.Message}", e);
        }
    }
}
