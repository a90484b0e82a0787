namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>
/// The knobs and views tests and the sandbox use. Lifecycle knobs run on the data plane's loop and
/// complete once the resulting records (and any failover) are published; RPC knobs take effect on the
/// next call.
/// </summary>
public sealed partial class SimulatedDataPlane
{
    // ---- views ----

    /// <summary>Every fake multipooler, by namespace and pod name.</summary>
    public IReadOnlyList<PoolerView> Poolers =>
        [.. poolers.Values.Select(p => p.View()).OrderBy(v => v.Namespace, StringComparer.Ordinal).ThenBy(v => v.Pod, StringComparer.Ordinal)];

    public PoolerView? Pooler(string ns, string pod) =>
        poolers.TryGetValue(PoolPodSpec.PodKeyOf(ns, pod), out var p) ? p.View() : null;

    /// <summary>The pooler the fake multiorch last made PRIMARY in <paramref name="shard"/>, while it still runs as primary.</summary>
    public PoolerView? PrimaryOf(ShardRef shard) =>
        shards.TryGetValue(shard, out var s) && s.Primary is { } key && poolers.TryGetValue(key, out var p)
        && p.View() is { Primary: true, Phase: PoolerPhase.Active } view ? view : null;

    /// <summary>The last coordinator term the fake multiorch granted in <paramref name="shard"/> (0: never elected).</summary>
    public long TermOf(ShardRef shard) => shards.TryGetValue(shard, out var s) ? s.Term : 0;

    /// <summary>Every RPC answered so far, in completion order.</summary>
    public IReadOnlyList<DataPlaneCall> Calls
    {
        get { lock (callsGate) return [.. calls]; }
    }

    /// <summary>How many calls to this pod's pooler are hanging on a stall knob right now.</summary>
    public int StalledCalls(string ns, string pod) =>
        knobs.TryGetValue(PoolPodSpec.PodKeyOf(ns, pod), out var k) ? Volatile.Read(ref k.Stalled) : 0;

    /// <summary>How many GetBackups calls in <paramref name="shard"/> are hanging on a fault right now.</summary>
    public int StalledGetBackups(ShardRef shard) => shards.TryGetValue(shard, out var s) ? Volatile.Read(ref s.Stalled) : 0;

    // ---- lifecycle knobs ----

    /// <summary>Quarantines the pooler (lifecycle QUARANTINED with <paramref name="reason"/>); a quarantined primary fails over.</summary>
    public Task QuarantineAsync(string ns, string pod, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return ChangePodAsync(ns, pod, k => k.QuarantineReason = reason);
    }

    /// <summary>Lifts a quarantine set through <see cref="QuarantineAsync"/> (an annotation still applies).</summary>
    public Task ClearQuarantineAsync(string ns, string pod) => ChangePodAsync(ns, pod, k => k.QuarantineReason = null);

    /// <summary>Takes the pooler process down now (graceful SHUTDOWN or a silent crash); a primary fails over.</summary>
    public Task FailPoolerAsync(string ns, string pod, PoolerFailure how = PoolerFailure.Shutdown) => ChangePodAsync(ns, pod, k => k.Down = how);

    /// <summary>Brings a pooler taken down by <see cref="FailPoolerAsync"/> back: it registers again (STARTING, ACTIVE) as a replica.</summary>
    public Task RestartPoolerAsync(string ns, string pod) => ChangePodAsync(ns, pod, k => k.Down = null);

    /// <summary>
    /// Fails the shard's current primary (see <see cref="FailPoolerAsync"/>) and returns its "namespace/pod",
    /// or null when the shard has no live primary. The fake multiorch has elected the successor when this returns.
    /// </summary>
    public async Task<string?> FailPrimaryAsync(ShardRef shard, PoolerFailure how = PoolerFailure.Shutdown)
    {
        ArgumentNullException.ThrowIfNull(shard);
        string? failed = null;
        await RunOnLoopAsync(async ct =>
        {
            if (PrimaryOf(shard) is null || !poolers.TryGetValue(Shard(shard).Primary!, out var primary))
                return;
            failed = primary.PodKey;
            Knobs(primary.PodKey).Down = how;
            await ReconcileFromStoreAsync(primary.PodKey, ct);
        });
        return failed;
    }

    /// <summary>When the pod is deleted, die without writing STOPPING/SHUTDOWN (so only the operator's dead-pooler marking can).</summary>
    public void SetCrashOnStop(string ns, string pod, bool crash = true) => Knobs(PoolPodSpec.PodKeyOf(ns, pod)).CrashOnStop = crash;

    /// <summary>Stops (or resumes) the fake multiorch of <paramref name="shard"/>: no elections, no failover.</summary>
    public Task SuspendElectionsAsync(ShardRef shard, bool suspended = true)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return RunOnLoopAsync(_ =>
        {
            Shard(shard).ElectionsSuspended = suspended;
            MarkDirty(shard);
            return Task.CompletedTask;
        });
    }

    // ---- RPC knobs ----

    /// <summary>Postgres down: ReloadConfig answers an empty response (no error), as when pgctld cannot reload.</summary>
    public void SetPostgresDown(string ns, string pod, bool down = true) => Knobs(PoolPodSpec.PodKeyOf(ns, pod)).PostgresDown = down;

    /// <summary>Makes ReloadConfig hang or time out (null: back to the annotation, if any).</summary>
    public void SetReloadStall(string ns, string pod, ReloadStall? stall) => Knobs(PoolPodSpec.PodKeyOf(ns, pod)).ReloadStall = stall;

    /// <summary>Lets every call hanging on this pod's stall knob go on.</summary>
    public void ReleaseStalledCalls(string ns, string pod)
    {
        var k = Knobs(PoolPodSpec.PodKeyOf(ns, pod));
        TaskCompletionSource released;
        lock (k)
        {
            released = k.Release;
            k.Release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        released.TrySetResult();
    }

    /// <summary>Replaces the shard's simulated repository.</summary>
    public void SetBackups(ShardRef shard, IEnumerable<SimulatedBackup> backups)
    {
        ArgumentNullException.ThrowIfNull(backups);
        var s = Shard(shard);
        lock (s.Gate)
            s.Backups = [.. backups];
    }

    /// <summary>Makes every backup of the shard <paramref name="by"/> older (their labels follow their start times).</summary>
    public void AgeBackups(ShardRef shard, TimeSpan by)
    {
        var s = Shard(shard);
        lock (s.Gate)
            s.Backups = [.. (s.Backups ?? []).Select(b => b.ShiftedBy(-by))];
    }

    /// <summary>The shard's simulated repository (empty until a pooler registered or <see cref="SetBackups"/> was called).</summary>
    public IReadOnlyList<SimulatedBackup> Backups(ShardRef shard)
    {
        var s = Shard(shard);
        lock (s.Gate)
            return [.. s.Backups ?? []];
    }

    /// <summary>Makes GetBackups fail (or hang) for every pooler of the shard; null restores normal answers.</summary>
    public void SetGetBackupsFault(ShardRef shard, GetBackupsFault? fault)
    {
        var s = Shard(shard);
        lock (s.Gate)
            s.Fault = fault;
    }

    /// <summary>Lets hanging GetBackups calls of the shard answer.</summary>
    public void ReleaseStalledGetBackups(ShardRef shard)
    {
        var s = Shard(shard);
        TaskCompletionSource released;
        lock (s.Gate)
        {
            released = s.Release;
            s.Release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        released.TrySetResult();
    }

    // ---- plumbing ----

    private Task ChangePodAsync(string ns, string pod, Action<PodKnobs> change)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentException.ThrowIfNullOrEmpty(pod);
        var key = PoolPodSpec.PodKeyOf(ns, pod);
        return RunOnLoopAsync(ct =>
        {
            change(Knobs(key));
            return ReconcileFromStoreAsync(key, ct);
        });
    }

    private async Task ReconcileFromStoreAsync(string key, CancellationToken ct)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var pod = service.Store.Get("pods", key[..slash], key[(slash + 1)..]);
        if (pod is not null)
            await ReconcilePodAsync(key, pod, ct);
    }
}
