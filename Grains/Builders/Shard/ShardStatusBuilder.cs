namespace MultigresOrleans.Grains.Builders.Shards;

using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Kubernetes.Models;

/// <summary>What the Shard status is computed from, besides the Shard itself (spec §11.2).</summary>
public sealed record ShardStatusInputs
{
    /// <summary>The shard's pool pods as observed (any pool, any cell); each is attributed to a pool and cell by the pool selector.</summary>
    public required IReadOnlyList<Pod> PoolPods { get; init; }

    /// <summary>The shard's multiorch Deployments as observed; matched to orch cells by name, a missing one counts as not ready.</summary>
    public IReadOnlyList<Deployment> MultiOrchDeployments { get; init; } = [];

    /// <summary>The multiorch pods, for crash-loop detection; null skips it.</summary>
    public IReadOnlyList<Pod>? MultiOrchPods { get; init; }

    /// <summary>Pod name → PRIMARY/REPLICA/QUARANTINED from the data plane; null keeps the current <c>status.podRoles</c>.</summary>
    public IReadOnlyDictionary<string, string>? PodRoles { get; init; }

    /// <summary>This reconcile's render (§6.11); with <see cref="PostgresConfigError"/> null too, <c>status.postgresConfig</c> is kept.</summary>
    public PostgresConfigRender? PostgresConfig { get; init; }

    /// <summary>This reconcile's render or read error; wins over <see cref="PostgresConfig"/>.</summary>
    public string? PostgresConfigError { get; init; }

    /// <summary>The backup-health outcome (§8.3); null keeps the current backup fields and condition.</summary>
    public ShardBackupStatus? Backup { get; init; }

    /// <summary>Names of the pool pods whose spec differs from the desired one; null keeps the <c>RollingUpdate</c> condition as it is.</summary>
    public IReadOnlyCollection<string>? DriftedPods { get; init; }

    /// <summary>Transition time of changed conditions and the <c>lastAppliedAt</c> of a settled config.</summary>
    public required DateTimeOffset Now { get; init; }
}

/// <summary>
/// The backup fields the data plane maintains (§8.3), passed through as computed there: a null time or type is written
/// as null (no parsable backup), and a null condition leaves <c>BackupHealthy</c> as it is.
/// </summary>
public sealed record ShardBackupStatus(DateTimeOffset? LastBackupTime, BackupKind? LastBackupType, Condition? Healthy);

/// <summary>Readiness of one pool in one cell: counted pods only (not deleting, not draining).</summary>
public sealed record PoolCellReadiness(string Pool, string Cell, int Ready, int Desired, bool CrashLooping)
{
    /// <summary>The <c>PoolEmpty</c> warning is due: pods are wanted and none is ready.</summary>
    public bool Empty => Desired > 0 && Ready == 0;
}

/// <summary>Readiness of the multiorch Deployment of one cell.</summary>
public sealed record OrchCellReadiness(string Cell, bool Exists, bool Ready);

/// <summary>The computed status and the per-pool/per-cell facts behind it (for events, metrics and logs).</summary>
public sealed record ShardStatusResult(
    ShardStatus Status,
    IReadOnlyList<PoolCellReadiness> Pools,
    IReadOnlyList<OrchCellReadiness> Orch)
{
    /// <summary>The pool/cell pairs due a <c>PoolEmpty</c> warning.</summary>
    public IEnumerable<PoolCellReadiness> EmptyPools => Pools.Where(p => p.Empty);
}

/// <summary>
/// Shard status (spec §11.2) as a pure function. The pods are counted per pool and cell against what the spec wants,
/// ignoring pods that are leaving (deleting or draining) because they are about to stop serving anyway; the multiorch
/// of each cell must have converged on its latest spec. A crash loop anywhere makes the shard Degraded regardless of
/// counts, because waiting will not fix it.
/// </summary>
public static class ShardStatusBuilder
{
    public const string ReasonAllPodsReady = "AllPodsReady";
    public const string ReasonNotAllPodsReady = "NotAllPodsReady";
    public const string MessagePoolCrashLooping = "One or more pool pods are crash-looping";
    public const string MessageOrchCrashLooping = "One or more Multiorch pods are crash-looping";
    public const string MessageHealthy = "Ready";
    public const string ReasonPodsDrifted = "PodsDrifted";
    public const string ReasonPodsUpToDate = "PodsUpToDate";

    /// <summary>Every annotation of the drain protocol shares this prefix; any of them takes a pod out of the count.</summary>
    public const string DrainAnnotationPrefix = "drain.multigres.com/";

    public static ShardStatusResult Compute(Shard shard, ShardStatusInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(inputs);
        var generation = shard.Metadata.Generation ?? 0;
        var previous = shard.Status;

        // Pools, in name order so the per-cell facts come out in a stable order.
        var pools = new List<PoolCellReadiness>();
        var counted = new List<Pod>();
        foreach (var (poolName, pool) in shard.Spec.Pools.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var cell in pool.Cells ?? [])
            {
                var selector = PoolPodMetadata.Selector(shard, poolName, cell);
                var live = inputs.PoolPods.Where(p => Matches(p, selector) && IsCounted(p)).ToList();
                counted.AddRange(live);
                pools.Add(new PoolCellReadiness(
                    poolName,
                    cell,
                    live.Count(IsReady),
                    pool.ReplicasPerCell ?? 1,
                    live.Any(PhaseHelpers.IsCrashLooping)));
            }
        }

        var ready = pools.Sum(p => p.Ready);
        var total = pools.Sum(p => p.Desired);
        var poolsDegraded = pools.Any(p => p.CrashLooping);

        var orchCells = MultiOrchCells.TryResolve(shard.Spec);
        var orch = new List<OrchCellReadiness>();
        var orchDegraded = false;
        foreach (var cell in orchCells)
        {
            var name = MultiOrchMetadata.DeploymentName(shard, cell);
            var deployment = inputs.MultiOrchDeployments.FirstOrDefault(d => d.Metadata.Name == name);
            orch.Add(new OrchCellReadiness(cell, deployment is not null, deployment is not null && Converged(deployment)));
            if (inputs.MultiOrchPods is { } orchPods)
            {
                var selector = MultiOrchMetadata.Selector(shard, cell);
                orchDegraded |= PhaseHelpers.AnyCrashLooping(orchPods.Where(p => Matches(p, selector)));
            }
        }

        var orchReady = orch.All(o => o.Ready);
        var poolsReady = total > 0 && ready == total;
        var (phase, message) = (poolsDegraded, orchDegraded, poolsReady && orchReady) switch
        {
            (true, _, _) => (Phase.Degraded, MessagePoolCrashLooping),
            (_, true, _) => (Phase.Degraded, MessageOrchCrashLooping),
            (_, _, true) => (Phase.Healthy, MessageHealthy),
            _ => (Phase.Progressing, $"PoolsReady: {GoBool(poolsReady)}, OrchReady: {GoBool(orchReady)}"),
        };

        var available = total > 0 && ready == total
            ? ConditionSet.Make(ConditionTypes.Available, true, ReasonAllPodsReady, Invariant($"All {total} pods are ready"), generation, inputs.Now)
            : ConditionSet.Make(ConditionTypes.Available, false, ReasonNotAllPodsReady, Invariant($"{ready}/{total} pods ready"), generation, inputs.Now);
        var conditions = ConditionSet.Set(previous?.Conditions, available);
        if (inputs.Backup?.Healthy is { } backupHealthy)
            conditions = ConditionSet.Set(conditions, backupHealthy);
        if (inputs.DriftedPods is { } drifted)
            conditions = ConditionSet.Set(conditions, RollingUpdateCondition(inputs.PoolPods, drifted, generation, inputs.Now));

        var cells = new SortedSet<string>(MultiOrchCells.PoolCells(shard.Spec), StringComparer.Ordinal);
        cells.UnionWith(orchCells);

        var status = new ShardStatus
        {
            ObservedGeneration = generation,
            PostgresConfig = PostgresConfigStatusOf(previous?.PostgresConfig, inputs, counted),
            Conditions = conditions,
            Phase = phase,
            Message = message,
            Cells = [.. cells],
            OrchReady = orchReady,
            PoolsReady = poolsReady,
            LastBackupTime = inputs.Backup is { } backup ? backup.LastBackupTime : previous?.LastBackupTime,
            LastBackupType = inputs.Backup is { } backupType ? backupType.LastBackupType : previous?.LastBackupType,
            PodRoles = inputs.PodRoles ?? previous?.PodRoles,
            ReadyReplicas = ready,
        };
        return new ShardStatusResult(status, pools, orch);
    }

    /// <summary>
    /// The <c>RollingUpdate</c> condition over the whole shard: True while any pool pod is drifted, with the count per
    /// pool. The reference sets it in memory per pool and cell (the last one evaluated wins) and persists it only when
    /// another status change happens to be written (spec §16, item 13); here it is part of every status computation.
    /// </summary>
    public static Condition RollingUpdateCondition(IReadOnlyList<Pod> poolPods, IReadOnlyCollection<string> drifted, long generation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(poolPods);
        ArgumentNullException.ThrowIfNull(drifted);
        var perPool = poolPods
            .Where(p => drifted.Contains(p.Metadata.Name!))
            .GroupBy(p => p.Metadata.Labels?.GetValueOrDefault(LabelKeys.Pool) ?? "", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Invariant($"{g.Count()} in pool {g.Key}"))
            .ToList();
        var count = poolPods.Count(p => drifted.Contains(p.Metadata.Name!));
        return count == 0
            ? ConditionSet.Make(ConditionTypes.RollingUpdate, false, ReasonPodsUpToDate, "All pods up to date", generation, now)
            : ConditionSet.Make(ConditionTypes.RollingUpdate, true, ReasonPodsDrifted,
                Invariant($"{count} pod{(count == 1 ? "" : "s")} need{(count == 1 ? "s" : "")} update ({string.Join(", ", perPool)})"), generation, now);
    }

    /// <summary>
    /// <c>status.postgresConfig</c>: an error wins; otherwise the rollout is in progress while any counted pod is not on
    /// both desired hashes, or a pod that is on them crash-loops (the new config may be what breaks it). Settled stamps
    /// <c>lastAppliedAt</c> only on the transition into settled, so the time says when the current config landed.
    /// </summary>
    public static PostgresConfigStatus? PostgresConfigStatusOf(PostgresConfigStatus? previous, ShardStatusInputs inputs, IReadOnlyList<Pod> countedPods)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(countedPods);
        if (!string.IsNullOrEmpty(inputs.PostgresConfigError))
            return new PostgresConfigStatus { Error = inputs.PostgresConfigError, LastAppliedAt = previous?.LastAppliedAt };
        if (inputs.PostgresConfig is not { } render)
            return previous;

        var inProgress = countedPods.Any(p => !IsConfigCurrent(p, render) || PhaseHelpers.IsCrashLooping(p));
        if (inProgress)
            return new PostgresConfigStatus { InProgress = true, LastAppliedAt = previous?.LastAppliedAt };

        var wasSettled = previous is { LastAppliedAt: not null, InProgress: not true } && string.IsNullOrEmpty(previous.Error);
        return new PostgresConfigStatus { LastAppliedAt = wasSettled ? previous!.LastAppliedAt : inputs.Now };
    }

    /// <summary>A pod carries the desired restart-hash and reload-hash.</summary>
    public static bool IsConfigCurrent(Pod pod, PostgresConfigRender render)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(render);
        var annotations = pod.Metadata.Annotations;
        return annotations is not null
            && annotations.GetValueOrDefault(AnnotationKeys.PostgresConfigHash) == render.RestartHash
            && annotations.GetValueOrDefault(AnnotationKeys.PostgresReloadHash) == render.ReloadHash;
    }

    /// <summary>A pod that still counts: not being deleted and not in any drain state.</summary>
    public static bool IsCounted(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata.DeletionTimestamp is null
            && (pod.Metadata.Annotations is null || !pod.Metadata.Annotations.Keys.Any(k => k.StartsWith(DrainAnnotationPrefix, StringComparison.Ordinal)));
    }

    /// <summary>The pod's <c>Ready</c> condition is True.</summary>
    public static bool IsReady(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
    }

    /// <summary>The Deployment controller has seen the latest spec and every desired replica is ready (nil replicas means 1).</summary>
    public static bool Converged(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return (deployment.Status?.ObservedGeneration ?? 0) == (deployment.Metadata.Generation ?? 0)
            && (deployment.Status?.ReadyReplicas ?? 0) == (deployment.Spec?.Replicas ?? 1);
    }

    private static bool Matches(Pod pod, IReadOnlyDictionary<string, string> selector) =>
        pod.Metadata.Labels is { } labels && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    /// <summary>Go prints booleans lower-case, and the message is the reference's.</summary>
    private static string GoBool(bool value) => value ? "true" : "false";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
