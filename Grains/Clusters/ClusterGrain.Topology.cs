using MultigresOrleans.Etcd;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders.Cells;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Builders.TableGroups;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Topology;
using Topo = MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Clusters;

// Spec §7.2 (reconcileTopology): register every cell and database in the global topology and prune
// what the spec no longer has. The store writes only what differs (the reference rewrites every
// record on every reconcile) and pruning reports each name instead of stopping at the first
// failure (dataplane-contracts §8). Returns a requeue while the topology cannot be used yet.
public sealed partial class ClusterGrain
{
    private async Task<ReconcileResult?> ReconcileTopologyAsync(
        MultigresCluster cluster, MultigresCluster resolved, GlobalTopoServerRef globalRef, ITemplateSource templates, bool cellsPending)
    {
        var ns = cluster.Metadata.Namespace!;
        var spec = resolved.Spec;
        var desiredCells = new List<Topo.Cell>();
        foreach (var cellConfig in spec.Cells ?? [])
        {
            var local = CellResolver.ResolveCell(spec, cellConfig, templates).LocalTopoServer;
            if (local?.Etcd is { } etcd)
            {
                // §7.2 step 0: a cell with managed local etcd registers only once that etcd is Healthy.
                var cellCr = observed.Cells.Cache.Get(ns, CellCrName(cluster, cellConfig.Name));
                var topoName = ResourceNames.LocalTopoServerName(CellCrName(cluster, cellConfig.Name));
                var topo = observed.TopoServers.Cache.Get(ns, topoName);
                if (cellCr is null || topo is null || !LocalTopoServerBuilder.IsControlledBy(topo.Metadata, cellCr)
                    || topo.Status?.Phase != Phase.Healthy || topo.Status.ObservedGeneration != topo.Metadata.Generation)
                    return ReconcileResult.After(PendingRequeue);
                desiredCells.Add(TopologyRecords.NewCell(cellConfig.Name, [ResourceNames.TopoServerClientAddress(topoName, ns)],
                    etcd.RootPath ?? HardcodedDefaults.LocalTopoRootPath(cellConfig.Name)));
            }
            else if (local?.External is { } external)
            {
                desiredCells.Add(TopologyRecords.NewCell(cellConfig.Name, external.Endpoints,
                    external.RootPath ?? HardcodedDefaults.LocalTopoRootPath(cellConfig.Name)));
            }
            else
            {
                desiredCells.Add(TopologyRecords.NewCell(cellConfig.Name, [globalRef.Address], globalRef.RootPath));
            }
        }

        var store = topology.Get([globalRef.Address], globalRef.RootPath);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            foreach (var desired in desiredCells)
            {
                if (await store.RegisterCellAsync(desired, timeout.Token).ConfigureAwait(false) == RegistrationOutcome.Created)
                    await Normal(cluster, "TopoRegistered", $"Registered cell '{desired.Name}' in topology").ConfigureAwait(false);
            }

            var cellNames = (spec.Cells ?? []).Select(c => c.Name).ToList();
            foreach (var database in spec.Databases ?? [])
            {
                Topo.DurabilityPolicy policy;
                try
                {
                    policy = TopologyRecords.DurabilityPolicyFor(database.DurabilityPolicy ?? spec.DurabilityPolicy);
                }
                catch (ArgumentException exception)
                {
                    throw new InvalidOperationException($"building durability policy for database {database.Name}: {exception.Message.Split(" (Parameter")[0]}", exception);
                }

                var record = TopologyRecords.NewDatabase(database.Name, BackupLocation(spec, database), cellNames, policy);
                if (await store.RegisterDatabaseAsync(record, timeout.Token).ConfigureAwait(false) == RegistrationOutcome.Created)
                    await Normal(cluster, "TopoRegistered", $"Registered database '{database.Name}' in topology").ConfigureAwait(false);
            }

            if (CellCrBuilder.PruningEnabled(spec))
            {
                var keepDatabases = (spec.Databases ?? []).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var pruned in await store.PruneDatabasesAsync(keepDatabases, timeout.Token).ConfigureAwait(false))
                {
                    if (pruned.Outcome == PruneOutcome.Deleted)
                        await Normal(cluster, "TopoCleanup", $"Pruned stale database '{pruned.Name}' from topology").ConfigureAwait(false);
                }

                var keepCells = cellNames.ToHashSet(StringComparer.Ordinal);
                if (cellsPending)
                {
                    foreach (var pending in Children(observed.Cells, cluster).Where(c => PendingDeletionProtocol.IsMarked(c.Metadata)))
                        keepCells.Add(pending.Spec.Name);
                }

                foreach (var pruned in await store.PruneCellsAsync(keepCells, timeout.Token).ConfigureAwait(false))
                {
                    if (pruned.Outcome == PruneOutcome.Deleted)
                        await Normal(cluster, "TopoCleanup", $"Pruned stale cell '{pruned.Name}' from topology").ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception) when (exception is EtcdUnavailableException or EtcdOutcomeUnknownException or OperationCanceledException)
        {
            var age = time.GetUtcNow() - (cluster.Metadata.CreationTimestamp ?? time.GetUtcNow());
            if (age < options.TopologyGracePeriod)
            {
                await Normal(cluster, "TopologyWaiting", $"Topology server not available yet (age {Validation.GoDuration.Format((long)Math.Round(age.TotalSeconds) * 1_000_000_000L)}), will retry")
                    .ConfigureAwait(false);
                return ReconcileResult.After(PendingRequeue);
            }

            await Warn(cluster, "TopologyError", $"Failed to reconcile topology: topology server unavailable: {exception.Message}").ConfigureAwait(false);
            throw new TopologyUnavailableException($"topology server unavailable: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is EtcdException or TopologyException)
        {
            await Warn(cluster, "TopologyError", $"Failed to reconcile topology: {exception.Message}").ConfigureAwait(false);
            throw new TopologyUnavailableException(exception.Message, exception);
        }

        return null;
    }

    /// <summary>Backup location of a database record (§7.2 step 2): the database over the cluster only.</summary>
    private static Topo.BackupLocation BackupLocation(MultigresClusterSpec spec, DatabaseConfig database)
    {
        var backup = MergeRules.MergeBackup(database.Backup, spec.Backup);
        var encrypted = backup?.Encryption is not null;
        if (backup is { Type: BackupType.S3, S3: { } s3 })
        {
            return TopologyRecords.S3BackupLocation(new Topo.S3Backup
            {
                Bucket = s3.Bucket,
                Region = s3.Region,
                Endpoint = s3.Endpoint ?? "",
                KeyPrefix = s3.KeyPrefix ?? "",
                UseEnvCredentials = s3.UseEnvCredentials ?? false,
            }, encrypted);
        }

        return TopologyRecords.FilesystemBackupLocation(backup?.Filesystem?.Path, encrypted);
    }
}

/// <summary>The topology could not be used (after the new-cluster grace period); the message says why.</summary>
public sealed class TopologyUnavailableException : Exception
{
    public TopologyUnavailableException()
    {
    }

    public TopologyUnavailableException(string message)
        : base(message)
    {
    }

    public TopologyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
