namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>
/// One fake multipooler process: its published state (written only by the data plane's single loop)
/// and its postgres state (read and written by RPCs under <see cref="Gate"/>). The RPCs also take
/// <see cref="ActionLock"/>, because the real manager serialises GetBackups and ReloadConfig behind
/// its action lock (§3), so a hung call makes the next one queue.
/// </summary>
internal sealed class FakePooler(PoolPodSpec spec)
{
    public PoolPodSpec Spec { get; } = spec;

    public string PodKey => Spec.PodKey;

    public Lock Gate { get; } = new();

    public SemaphoreSlim ActionLock { get; } = new(1, 1);

    // ---- published state (loop only; read by RPCs and views under Gate) ----

    public PoolerPhase Phase { get; set; } = PoolerPhase.Waiting;

    public string? Quarantine { get; set; }

    public bool Primary { get; set; }

    public long Term { get; set; }

    public DateTimeOffset LifecycleUpdated { get; set; }

    /// <summary>The Cell record's root, resolved at registration (null while the Cell record is missing).</summary>
    public string? CellRoot { get; set; }

    public string? Key { get; set; }

    /// <summary>True until the registration write (create-or-update) succeeded.</summary>
    public bool NeedsCreate { get; set; } = true;

    /// <summary>The bytes of this pooler's own last successful write: it republishes only when its own state differs.</summary>
    public byte[]? LastPublished { get; set; }

    public bool RetryScheduled { get; set; }

    /// <summary>Set when the pod was Ready but the Cell record did not exist yet; a Cell watch event retries.</summary>
    public bool WaitingForCell { get; set; }

    // ---- postgres state (under Gate) ----

    public Dictionary<string, string> Running { get; set; } = new(StringComparer.Ordinal);

    public DateTimeOffset? ConfigLoadTime { get; set; }

    public bool IsRunning => Phase is PoolerPhase.Starting or PoolerPhase.Active or PoolerPhase.Stopping;

    public PoolerView View()
    {
        lock (Gate)
        {
            return new PoolerView(Spec.Namespace, Spec.PodName, Spec.Shard, Spec.Cell, Spec.ServiceId, Spec.Hostname, Key, Phase, Quarantine,
                Primary, Term, ConfigLoadTime, new Dictionary<string, string>(Running, StringComparer.Ordinal));
        }
    }
}

/// <summary>Per-pod knobs set through the C# API (annotations are read from the pod itself).</summary>
internal sealed class PodKnobs
{
    public string? QuarantineReason { get; set; }
    public PoolerFailure? Down { get; set; }
    public bool? CrashOnStop { get; set; }
    public bool? PostgresDown { get; set; }
    public ReloadStall? ReloadStall { get; set; }
    public TaskCompletionSource Release { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int Stalled;
}

/// <summary>A shard as the fake multiorch and the simulated backup repository see it.</summary>
internal sealed class ShardState(ShardRef shard)
{
    public ShardRef Ref { get; } = shard;

    public Lock Gate { get; } = new();

    /// <summary>The last coordinator term the fake multiorch granted (terms found in records only raise it).</summary>
    public long Term { get; set; }

    public bool ElectionsSuspended { get; set; }

    /// <summary>"namespace/pod" of the pooler this multiorch last promoted.</summary>
    public string? Primary { get; set; }

    /// <summary>The repository; null until the first pooler registers (then one full backup at its pod's start time).</summary>
    public List<SimulatedBackup>? Backups { get; set; }

    public GetBackupsFault? Fault { get; set; }

    public TaskCompletionSource Release { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>GetBackups calls hanging on <see cref="Fault"/> right now.</summary>
    public int Stalled;
}
