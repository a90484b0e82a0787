using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Builders.TableGroups;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Clusters;

// Spec §6.1 step 9 (reconcileCells) and step 11 (reconcileDatabases): one Cell CR per spec cell and
// one TableGroup CR per table group, server-side applied; children no longer in the spec retire
// through PendingDeletion (§6.8.1). Both return true while a retirement is pending.
public sealed partial class ClusterGrain
{
    private async Task<bool> ReconcileCellsAsync(
        MultigresCluster cluster, MultigresCluster resolved, ClusterImages images, GlobalTopoServerRef globalRef, ITemplateSource templates)
    {
        var ns = cluster.Metadata.Namespace!;
        var owner = cluster with { Spec = resolved.Spec };
        var desired = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cellConfig in resolved.Spec.Cells ?? [])
        {
            ResolvedCell resolvedCell;
            try
            {
                resolvedCell = CellResolver.ResolveCell(resolved.Spec, cellConfig, templates);
            }
            catch (TemplateResolutionException exception)
            {
                await Warn(cluster, "TemplateMissing", exception.Message).ConfigureAwait(false);
                throw new InvalidOperationException($"failed to resolve cell '{cellConfig.Name}': {exception.Message}", exception);
            }

            var cell = CellCrBuilder.Build(owner, cellConfig, resolvedCell, images, globalRef);
            desired.Add(cell.Metadata.Name!);
            if (await applier.ApplyAsync(Resources.Cells, cell, observed.Cells.Cache.Get(ns, cell.Metadata.Name!)).ConfigureAwait(false) == ApplyOutcome.Applied)
                await Normal(cluster, "Applied", $"Applied Cell {cell.Metadata.Name}").ConfigureAwait(false);
        }

        var undesired = Children(observed.Cells, cluster).Where(c => !desired.Contains(c.Metadata.Name!));
        return await RetireAsync(cluster, RetiredKind.Cell, Resources.Cells, undesired, c => c.Status?.Conditions).ConfigureAwait(false);
    }

    private async Task<bool> ReconcileDatabasesAsync(
        MultigresCluster cluster, MultigresCluster resolved, ClusterImages images, GlobalTopoServerRef globalRef, ITemplateSource templates)
    {
        var ns = cluster.Metadata.Namespace!;
        var owner = cluster with { Spec = resolved.Spec };
        var desired = new HashSet<string>(StringComparer.Ordinal);
        foreach (var database in resolved.Spec.Databases ?? [])
        {
            foreach (var tableGroup in database.TableGroups ?? [])
            {
                var options = ShardResolver.ReconcileOptions(resolved.Spec, database, tableGroup);
                var shards = new List<ShardResolvedSpec>();
                foreach (var shard in tableGroup.Shards ?? [])
                {
                    try
                    {
                        shards.Add(ShardResolver.ResolveShard(resolved.Spec, shard, options, templates).ToShardResolvedSpec(shard.Name));
                    }
                    catch (TemplateResolutionException exception)
                    {
                        await Warn(cluster, "ConfigError", $"Failed to resolve shard {shard.Name}: {exception.Message}").ConfigureAwait(false);
                        throw;
                    }
                }

                var desiredGroup = TableGroupCrBuilder.Build(owner, database, tableGroup, shards, images, globalRef);
                desired.Add(desiredGroup.Metadata.Name!);
                var live = observed.TableGroups.Cache.Get(ns, desiredGroup.Metadata.Name!);
                if (await applier.ApplyAsync(Resources.TableGroups, desiredGroup, live).ConfigureAwait(false) == ApplyOutcome.Applied)
                    await Normal(cluster, "Applied", $"Applied TableGroup {desiredGroup.Metadata.Name}").ConfigureAwait(false);
            }
        }

        var undesired = Children(observed.TableGroups, cluster).Where(t => !desired.Contains(t.Metadata.Name!));
        return await RetireAsync(cluster, RetiredKind.TableGroup, Resources.TableGroups, undesired, t => t.Status?.Conditions).ConfigureAwait(false);
    }

    /// <summary>The Cell CR name of a spec cell (spec §4.2).</summary>
    private static string CellCrName(MultigresCluster cluster, string cell) => ResourceNames.CellName(cluster.Metadata.Name!, cell);
}
