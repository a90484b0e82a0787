using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.DataPlane;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Grains.Builders.Shards;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Builders.TableGroups;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Shards;

/// <summary>
/// The Shard controller (spec §6.5): the shard-wide objects (ConfigMaps, the password check,
/// MultiOrch per cell, the backup PVC), then per pool and cell the headless Service, the PDB and
/// every missing data PVC and pool pod (ShardGrain.Pools.cs: scale, rolling update, PVC policy), then
/// the data-plane pass (ShardGrain.DataPlane.cs: roles, dead poolers, quarantine, drain steps), then status.
/// </summary>
public sealed partial class ShardGrain(
    ObservedState observed, Applier applier, EventRecorder events, OperatorOptions options, OperatorEnvironment environment,
    TopologyConnections topology, IMultipoolerClient dataPlane, TimeProvider time, ILogger<ShardGrain> logger) : Grain, IShardGrain
{
    private static readonly TimeSpan NotReadyRequeue = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BackupCheckInterval = TimeSpan.FromMinutes(5);

    /// <summary>Pool pods out of date in the pass in progress (a grain runs one turn at a time, so a field is safe).</summary>
    private HashSet<string> _drifted = [];

    /// <summary>The postgresql.conf render of the pass in progress, for the in-place reload.</summary>
    private PostgresConfigRender? _currentRender;

    private OperatorResources Resources => observed.Resources;

    public async Task<ReconcileResult> Reconcile()
    {
        var (ns, name) = GrainKeys.Parse(GetPrimaryKeyString());
        var shard = observed.Shards.Cache.Get(ns, name);
        if (shard is null)
            return ReconcileResult.Done;
        var now = time.GetUtcNow();
        if (shard.Metadata.DeletionTimestamp is not null)
            return await HandleDeletionAsync(shard).ConfigureAwait(false);
        if (!(shard.Metadata.Finalizers ?? []).Contains(Finalizers.ShardPvcOrphan))
        {
            await Resources.Shards.PatchAsync(name, ns, PatchType.Merge, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["finalizers"] = new JsonArray([.. (shard.Metadata.Finalizers ?? []).Append(Finalizers.ShardPvcOrphan).Select(f => (JsonNode)f!)]),
                    ["resourceVersion"] = shard.Metadata.ResourceVersion,
                },
            }).ConfigureAwait(false);
        }

        if (PendingDeletionProtocol.IsMarked(shard.Metadata))
            return await PendingDeletionAsync(shard, now).ConfigureAwait(false);

        // §6.5 step 2: render postgresql.conf once; a failure is reported in status, not thrown yet.
        PostgresConfigRender? config = null;
        string? configError = null;
        try
        {
            string? referenced = null;
            if (shard.Spec.PostgresConfigRef is { } reference)
            {
                var map = await Resources.ConfigMaps.TryGetAsync(reference.Name, ns).ConfigureAwait(false)
                    ?? throw new InvalidOperationException(PostgresConfigRenderer.FetchErrorMessage(reference.Name, $"configmaps \"{reference.Name}\" not found"));
                referenced = PostgresConfigRenderer.ReadReference(reference, map);
            }

            config = PostgresConfigRenderer.Render(shard, referenced);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ShardBuildException or KubernetesApiException)
        {
            configError = exception.Message;
            await events.RecordAsync(shard, EventRecorder.Warning, "ConfigError", PostgresConfigRenderer.FailedMessage(exception.Message)).ConfigureAwait(false);
        }

        var pods = PodsOf(shard);
        await WriteStatusAsync(shard, pods, config, configError, now).ConfigureAwait(false);

        await ApplyConfigMapAsync(shard, PgHbaConfigMapBuilder.Build(shard)).ConfigureAwait(false);
        await ApplyConfigMapAsync(shard, ExporterQueriesConfigMapBuilder.Build(shard)).ConfigureAwait(false);
        if (config is not null)
            await ApplyConfigMapAsync(shard, PostgresConfigMapBuilder.Build(shard, config)).ConfigureAwait(false);

        // §6.5 step 6: the user's password Secret, read uncached; without it no pod may start.
        var secretRef = shard.Spec.PostgresPasswordSecretRef;
        Secret? secret = null;
        string? getError = null;
        try
        {
            secret = await Resources.Secrets.TryGetAsync(secretRef.Name, ns).ConfigureAwait(false);
        }
        catch (KubernetesApiException exception)
        {
            getError = exception.Message;
        }

        if (PostgresPasswordSecretCheck.Validate(secret, secretRef, getError) is { } passwordError)
        {
            await events.RecordAsync(shard, EventRecorder.Warning, "ConfigError", PostgresPasswordSecretCheck.EventMessage(passwordError)).ConfigureAwait(false);
            throw new InvalidOperationException(passwordError);
        }

        // §6.5 step 7: pgBackRest TLS, before any pod that mounts it.
        await EnsurePgBackRestTlsAsync(shard).ConfigureAwait(false);
        await CheckCipherKeyAsync(shard).ConfigureAwait(false);

        IReadOnlyList<string> orchCells;
        try
        {
            orchCells = MultiOrchCells.Resolve(shard.Spec);
        }
        catch (ShardBuildException exception)
        {
            await events.RecordAsync(shard, EventRecorder.Warning, "ConfigError", MultiOrchCells.EventMessage(exception.Message)).ConfigureAwait(false);
            throw;
        }

        foreach (var cell in orchCells)
        {
            var deployment = MultiOrchDeploymentBuilder.Build(shard, cell, environment);
            await ApplyAsync(shard, Resources.Deployments, deployment, observed.Deployments.Cache.Get(ns, deployment.Metadata.Name!)).ConfigureAwait(false);
            var service = MultiOrchServiceBuilder.Build(shard, cell);
            await ApplyAsync(shard, Resources.Services, service, observed.Services.Cache.Get(ns, service.Metadata.Name!)).ConfigureAwait(false);
        }

        if (ShardBackupPvcBuilder.Build(shard) is { } backup)
            await ApplyAsync(shard, Resources.Pvcs, backup, observed.Pvcs.Cache.Get(ns, backup.Metadata.Name!)).ConfigureAwait(false);

        var inputs = new PoolPodInputs { OperatorEnvironment = environment, PostgresConfigHash = config?.RestartHash, PostgresReloadHash = config?.ReloadHash };
        _drifted = DriftedPods(shard, pods, inputs);
        _currentRender = config;
        var drifted = 0;
        var acted = false;
        foreach (var (poolName, pool) in shard.Spec.Pools)
        {
            foreach (var cell in pool.Cells ?? [])
            {
                var outcome = await ReconcilePoolCellAsync(shard, poolName, cell, pool, pods, inputs, now).ConfigureAwait(false);
                drifted += outcome.Drifted;
                acted |= outcome.Acted;
            }
        }

        var dataPlane = await ReconcileDataPlaneAsync(shard, PodsOf(shard), pendingDeletion: false, now).ConfigureAwait(false);
        var status = await WriteStatusAsync(shard, PodsOf(shard), config, configError, now, dataPlane.PodRoles, dataPlane.Backup, _drifted).ConfigureAwait(false);
        if (drifted > 0)
            Log.Drifted(logger, name, drifted);
        // The soonest of: a pool action (look again promptly), what the data plane asks, and the not-converged poll.
        TimeSpan?[] wanted =
        [
            acted ? Drain.DrainSettings.Default.ProgressRequeue : null,
            dataPlane.RequeueAfter,
            status.Phase != Phase.Healthy || drifted > 0 ? NotReadyRequeue : null,
            // Backups age without any event: look again periodically so BackupHealthy turns False on time (§8.3).
            shard.Spec.Backup is not null ? BackupCheckInterval : null,
        ];
        var soonest = wanted.Where(w => w is not null).Min();
        return soonest is { } delay ? ReconcileResult.After(delay) : ReconcileResult.Done;
    }

    private IReadOnlyList<Pod> PodsOf(Shard shard) =>
        [.. observed.Pods.Cache.ByIndex(Kubernetes.Informers.Indexers.LabelIndexName(LabelKeys.Shard), shard.Spec.ShardName)
            .Where(p => p.Metadata.Namespace == shard.Metadata.Namespace && p.Metadata.OwnerReferences?.Any(o => o.Uid == shard.Metadata.Uid) == true)];

    private async Task<ShardStatus> WriteStatusAsync(
        Shard shard, IReadOnlyList<Pod> pods, PostgresConfigRender? config, string? configError, DateTimeOffset now,
        IReadOnlyDictionary<string, string>? podRoles = null, ShardBackupStatus? backup = null, IReadOnlyCollection<string>? drifted = null)
    {
        var ns = shard.Metadata.Namespace!;
        var orch = MultiOrchCells.TryResolve(shard.Spec)
            .Select(cell => observed.Deployments.Cache.Get(ns, MultiOrchMetadata.DeploymentName(shard, cell)))
            .OfType<Deployment>()
            .ToList();
        var result = ShardStatusBuilder.Compute(shard, new ShardStatusInputs
        {
            PoolPods = [.. pods.Where(p => p.Metadata.Labels?.GetValueOrDefault(LabelKeys.AppComponent) == Components.ShardPool)],
            MultiOrchDeployments = orch,
            PostgresConfig = config,
            PostgresConfigError = configError,
            PodRoles = podRoles,
            Backup = backup,
            DriftedPods = drifted,
            Now = now,
        });
        await StatusWriter.ApplyAsync(Resources.Shards, shard, result.Status, MultigresJsonContext.Default.ShardStatus, options.FieldManager).ConfigureAwait(false);
        return result.Status;
    }

    private async Task ApplyConfigMapAsync(Shard shard, ConfigMap map) =>
        await ApplyAsync(shard, Resources.ConfigMaps, map, observed.ConfigMaps.Cache.Get(shard.Metadata.Namespace, map.Metadata.Name!)).ConfigureAwait(false);

    private async Task ApplyAsync<T>(Shard shard, ResourceClient<T> resource, T desired, T? live) where T : class, IKubernetesObject
    {
        if (await applier.ApplyAsync(resource, desired, live).ConfigureAwait(false) == ApplyOutcome.Applied)
            await events.RecordAsync(shard, EventRecorder.Normal, "Applied", $"Applied {desired.Kind} {desired.Metadata.Name}").ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "shard {Shard}: {Count} pool pods differ from their spec; rolling them one at a time")]
        public static partial void Drifted(ILogger logger, string shard, int count);

        [LoggerMessage(EventId = 2, Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "marking dead pooler {Key} failed: {Error}")]
        public static partial void MarkFailed(ILogger logger, string key, string error);

        [LoggerMessage(EventId = 3, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "reloading postgresql.conf on pod {Pod} failed: {Error}; retrying")]
        public static partial void ReloadFailed(ILogger logger, string pod, string error);
    }
}
