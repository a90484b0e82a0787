using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Google.Protobuf;
using MultigresOrleans.Etcd;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.DataPlane.Protos;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>
/// The simulated Multigres data plane: a fake multipooler per pool pod and a fake multiorch per shard,
/// publishing to a real etcd the topology records the operator reads (dataplane-contracts §7.3-§7.4),
/// and answering the two multipooler RPCs the operator calls (through <see cref="DataPlaneGrpcServer"/>).
/// </summary>
/// <remarks>
/// Everything that publishes runs on one loop, fed by the store's pod events, by etcd watches on the
/// topology prefixes in use, by publish retries and by the C# knobs. One loop means one writer per
/// record and no interleaving between a pooler's STOPPING and SHUTDOWN writes and an election, so a
/// knob call that returns has already published and failed over. Pods are read level-based from the
/// store (an event only says "look again"), except a deletion, whose final object is the last word.
/// Every topology address in the pods' flags names an in-cluster etcd Service that does not resolve
/// here, so all topology traffic goes to the one <see cref="KubeSimOptions.DataPlaneEtcd"/> endpoint;
/// roots and cells still come from the flags and the global Cell records, as for the real processes.
/// </remarks>
public sealed partial class SimulatedDataPlane : BackgroundService
{
    /// <summary>How long a failed publish waits before the next attempt (the real publisher retries every 30 s).</summary>
    public static readonly TimeSpan PublishRetryInterval = TimeSpan.FromSeconds(30);

    /// <summary>Bound on a hung RPC (stall knobs), in real time, so no call waits forever.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromMinutes(5);

    private const int MaxCasAttempts = 5;

    private readonly ResourceService service;
    private readonly ILogger<SimulatedDataPlane> logger;
    private readonly EtcdClient etcd;
    private readonly Channel<Message> inbox = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });

    // Loop-owned maps; concurrent types because RPCs and views read them from other threads.
    private readonly ConcurrentDictionary<string, FakePooler> poolers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ShardRef, ShardState> shards = new();
    private readonly ConcurrentDictionary<string, PodKnobs> knobs = new(StringComparer.Ordinal);
    private readonly HashSet<ShardRef> dirty = [];
    private readonly Dictionary<string, bool> watches = new(StringComparer.Ordinal); // prefix -> is a cells prefix
    private readonly HashSet<string> rejectedUids = new(StringComparer.Ordinal);
    private readonly Lock callsGate = new();
    private readonly List<DataPlaneCall> calls = [];
    private CancellationToken stopping;

    public SimulatedDataPlane(ResourceService service, KubeSimOptions options, ILogger<SimulatedDataPlane> logger, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataPlaneEtcd))
            throw new ArgumentException("KubeSimOptions.DataPlaneEtcd (--dataplane-etcd) must name the etcd endpoint for the simulated data plane", nameof(options));
        this.service = service;
        this.logger = logger;
        EtcdEndpoint = options.DataPlaneEtcd;
        // The etcd client bounds real network I/O, so it runs on the real clock; the injected clock only
        // stamps records and drives simulated waits (publish retries).
        etcd = new EtcdClient(new EtcdClientOptions { Endpoints = [options.DataPlaneEtcd] }, timeProvider: TimeProvider.System,
            logger: loggers.CreateLogger<EtcdClient>());
    }

    /// <summary>The etcd every fake component talks to, whatever address its pod's flags name.</summary>
    public string EtcdEndpoint { get; }

    private TimeProvider Time => service.Time;

    private abstract record Message;

    private sealed record PodChanged(Storage.WatchEvent Event) : Message;

    private sealed record TopologyChanged(string Prefix) : Message;

    private sealed record RetryPublish(FakePooler Pooler) : Message;

    private sealed record Command(Func<CancellationToken, Task> Action, TaskCompletionSource Done) : Message;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stopping = stoppingToken;
        // Current pods first (a restored snapshot's Ready pods re-register), then every change.
        using var subscription = service.Store.Watch("pods", null, null);
        foreach (var e in subscription.Initial)
            inbox.Writer.TryWrite(new PodChanged(e));
        var pump = PumpAsync(subscription, stoppingToken);
        try
        {
            while (await inbox.Reader.WaitToReadAsync(stoppingToken))
            {
                while (inbox.Reader.TryRead(out var message))
                    await HandleAsync(message, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            while (inbox.Reader.TryRead(out var left))
            {
                if (left is Command c)
                    c.Done.TrySetCanceled(stoppingToken);
            }
            await pump;
            etcd.Dispose();
        }
    }

    private async Task PumpAsync(Storage.ObjectStore.Subscription subscription, CancellationToken ct)
    {
        try
        {
            while (await subscription.Events.WaitToReadAsync(ct))
            {
                while (subscription.Events.TryRead(out var e))
                    inbox.Writer.TryWrite(new PodChanged(e));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HandleAsync(Message message, CancellationToken ct)
    {
        try
        {
            switch (message)
            {
                case PodChanged p:
                    await OnPodEventAsync(p.Event, ct);
                    break;
                case TopologyChanged t:
                    await OnTopologyChangedAsync(t.Prefix, ct);
                    break;
                case RetryPublish r:
                    r.Pooler.RetryScheduled = false;
                    await PublishAsync(r.Pooler, ct);
                    break;
                case Command c:
                    await c.Action(ct);
                    break;
            }
            await RunElectionsAsync(ct);
            if (message is Command done)
                done.Done.TrySetResult();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (message is Command c)
                c.Done.TrySetCanceled(ct);
            throw;
        }
        catch (Exception e)
        {
            LogLoopFailure(message.GetType().Name, e.Message);
            if (message is Command c)
                c.Done.TrySetException(e);
        }
    }

    /// <summary>Runs <paramref name="action"/> on the loop; completes once it (and any election it caused) is published.</summary>
    private async Task RunOnLoopAsync(Func<CancellationToken, Task> action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!inbox.Writer.TryWrite(new Command(action, done)))
            throw new InvalidOperationException("the simulated data plane has stopped");
        await done.Task.ConfigureAwait(false);
    }

    // ---- pods ----

    private async Task OnPodEventAsync(Storage.WatchEvent e, CancellationToken ct)
    {
        var key = PoolPodSpec.PodKeyOf(e.Namespace, e.Name);
        if (e.Type == Storage.WatchEvent.Deleted)
        {
            if (poolers.TryGetValue(key, out var gone) && gone.Spec.Uid == PoolPodSpec.UidOf(e.Object))
            {
                await StopAsync(gone, EffectiveCrashOnStop(key, e.Object) ? PoolerFailure.Crash : PoolerFailure.Shutdown, ct);
                poolers.TryRemove(key, out _);
                MarkDirty(gone.Spec.Shard);
            }
            return;
        }
        // Level-based: act on the pod as it is now. A pod already gone (or replaced) is left to its DELETED event.
        var pod = service.Store.Get("pods", e.Namespace, e.Name);
        if (pod is null || PoolPodSpec.UidOf(pod) != PoolPodSpec.UidOf(e.Object))
            return;
        await ReconcilePodAsync(key, pod, ct);
    }

    /// <summary>Moves one pod's pooler toward what its pod and knobs say.</summary>
    private async Task ReconcilePodAsync(string key, JsonObject pod, CancellationToken ct)
    {
        if (!PoolPodSpec.IsPoolPod(pod))
            return;
        var uid = PoolPodSpec.UidOf(pod);
        if (poolers.TryGetValue(key, out var pooler) && pooler.Spec.Uid != uid)
        {
            // A new pod under the same name: the old process is gone with its pod (its DELETED event was handled or is moot).
            poolers.TryRemove(key, out _);
            pooler = null;
        }
        if (pooler is null)
        {
            if (rejectedUids.Contains(uid))
                return;
            var (spec, error) = PoolPodSpec.Parse(pod);
            if (spec is null)
            {
                rejectedUids.Add(uid);
                LogPodRejected(key, error!);
                return;
            }
            pooler = new FakePooler(spec);
            poolers[key] = pooler;
        }

        if (pod["metadata"]?["deletionTimestamp"] is not null)
        {
            // SIGTERM: the pod is terminating (finalizers keep it around); the process shuts down now.
            await StopAsync(pooler, EffectiveCrashOnStop(key, pod) ? PoolerFailure.Crash : PoolerFailure.Shutdown, ct);
            MarkDirty(pooler.Spec.Shard);
            return;
        }

        if (EffectiveDown(key, pod) is { } down)
        {
            await StopAsync(pooler, down, ct);
            MarkDirty(pooler.Spec.Shard);
            return;
        }

        if (!pooler.IsRunning)
        {
            // Not yet started, or restarting after a down knob was lifted: start once the pod is Ready.
            if (PoolPodSpec.IsReady(pod))
                await StartAsync(pooler, pod, ct);
            MarkDirty(pooler.Spec.Shard);
            return;
        }

        var reason = EffectiveQuarantine(key, pod);
        if (pooler.Phase == PoolerPhase.Active && reason != pooler.Quarantine)
        {
            lock (pooler.Gate)
            {
                pooler.Quarantine = reason;
                pooler.LifecycleUpdated = Time.GetUtcNow();
            }
            LogQuarantine(key, reason ?? "(cleared)");
            await PublishAsync(pooler, ct);
            MarkDirty(pooler.Spec.Shard);
        }
    }

    /// <summary>
    /// Process start (§2.6): resolve the cell root from the global Cell record, load postgres' view of the
    /// mounted config, then register STARTING (create-or-update, the same key is reused by a recreated pod)
    /// and go ACTIVE once "postgres responds" (immediately here).
    /// </summary>
    private async Task StartAsync(FakePooler pooler, JsonObject pod, CancellationToken ct)
    {
        var spec = pooler.Spec;
        string? cellRoot;
        try
        {
            cellRoot = await ResolveCellRootAsync(spec, ct);
        }
        catch (EtcdException e)
        {
            LogTopologyUnavailable(spec.PodKey, e.Message);
            pooler.WaitingForCell = true;
            ScheduleRetry(pooler, ct);
            return;
        }
        if (cellRoot is null)
        {
            if (!pooler.WaitingForCell)
                LogWaitingForCell(spec.PodKey, TopologyNames.CellKey(spec.Shard.GlobalRoot, spec.Cell));
            pooler.WaitingForCell = true;
            return;
        }
        pooler.WaitingForCell = false;
        EnsureWatch(TopologyNames.PoolersPrefix(cellRoot), cells: false, ct);

        var now = Time.GetUtcNow();
        var file = ReadConfigFile(pod);
        lock (pooler.Gate)
        {
            pooler.CellRoot = cellRoot;
            pooler.Key = TopologyNames.PoolerKey(cellRoot, spec.Cell, spec.ServiceId);
            pooler.Running = new Dictionary<string, string>(file, StringComparer.Ordinal); // postgres starts with the file as mounted
            pooler.ConfigLoadTime = now;
            pooler.Primary = false;
            pooler.Term = 0;
            pooler.Quarantine = EffectiveQuarantine(spec.PodKey, pod);
            pooler.Phase = PoolerPhase.Starting;
            pooler.LifecycleUpdated = now;
            pooler.NeedsCreate = true;
        }
        var shard = Shard(spec.Shard);
        lock (shard.Gate)
            shard.Backups ??= [SimulatedBackup.Full(PoolPodSpec.StartTime(pod) ?? now)];
        LogStarting(spec.PodKey, pooler.Key, string.Join(",", spec.TopoAddresses), EtcdEndpoint);
        await PublishAsync(pooler, ct);
        lock (pooler.Gate)
        {
            pooler.Phase = PoolerPhase.Active;
            pooler.LifecycleUpdated = Time.GetUtcNow();
        }
        await PublishAsync(pooler, ct);
    }

    /// <summary>
    /// Process end: gracefully STOPPING then SHUTDOWN with routing cleared and serving DISABLED (the record
    /// is never deleted), or a crash that writes nothing. A pooler that never started has nothing to say.
    /// </summary>
    private async Task StopAsync(FakePooler pooler, PoolerFailure how, CancellationToken ct)
    {
        if (!pooler.IsRunning)
            return;
        if (how == PoolerFailure.Crash)
        {
            lock (pooler.Gate)
            {
                pooler.Phase = PoolerPhase.Crashed;
                pooler.Primary = false;
            }
            LogCrashed(pooler.PodKey);
            return;
        }
        lock (pooler.Gate)
        {
            pooler.Phase = PoolerPhase.Stopping;
            pooler.LifecycleUpdated = Time.GetUtcNow();
        }
        await PublishAsync(pooler, ct);
        lock (pooler.Gate)
        {
            pooler.Phase = PoolerPhase.Shutdown;
            pooler.Primary = false;
            pooler.LifecycleUpdated = Time.GetUtcNow();
        }
        await PublishAsync(pooler, ct);
        LogShutdown(pooler.PodKey);
    }

    private async Task<string?> ResolveCellRootAsync(PoolPodSpec spec, CancellationToken ct)
    {
        EnsureWatch(TopologyNames.CellsPrefix(spec.Shard.GlobalRoot), cells: true, ct);
        var kv = await etcd.GetAsync(TopologyNames.CellKey(spec.Shard.GlobalRoot, spec.Cell), ct);
        if (kv is null)
            return null;
        return Cell.Parser.ParseFrom(kv.Value).Root;
    }

    private Dictionary<string, string> ReadConfigFile(JsonObject pod)
    {
        if (PoolPodSpec.PostgresConfigSource(pod) is not var (name, key))
            return new Dictionary<string, string>(StringComparer.Ordinal);
        var ns = pod["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        var text = service.Store.Get("configmaps", ns, name)?["data"]?[key]?.GetValue<string>();
        return text is null ? new Dictionary<string, string>(StringComparer.Ordinal) : PostgresConf.Parse(text);
    }

    // ---- publishing ----

    /// <summary>
    /// Writes the pooler's record if its own state changed since its own last write (never because etcd
    /// differs, §2.6). Registration is create-or-update; later writes are get + compare-and-swap and never
    /// re-create a record someone deleted. A failure is retried after <see cref="PublishRetryInterval"/>.
    /// </summary>
    private async Task PublishAsync(FakePooler pooler, CancellationToken ct)
    {
        byte[] bytes;
        string key;
        bool create;
        lock (pooler.Gate)
        {
            if (pooler.Key is null || pooler.Phase is PoolerPhase.Waiting or PoolerPhase.Crashed)
                return;
            key = pooler.Key;
            create = pooler.NeedsCreate;
            bytes = PoolerRecord.Build(new PoolerPublication(pooler.Spec, pooler.Phase, pooler.Quarantine, pooler.Primary, pooler.Term, pooler.LifecycleUpdated)).ToByteArray();
            if (!create && pooler.LastPublished is { } last && last.AsSpan().SequenceEqual(bytes))
                return;
        }
        try
        {
            for (var attempt = 1; attempt <= MaxCasAttempts; attempt++)
            {
                KeyValue? current;
                if (create)
                {
                    var created = await etcd.CreateAsync(key, bytes, ct);
                    if (created.Succeeded)
                    {
                        Published(pooler, bytes);
                        return;
                    }
                    current = created.Current;
                }
                else
                {
                    current = await etcd.GetAsync(key, ct);
                    if (current is null)
                    {
                        // Like UpdateMultipoolerFields: NoNode is an error and nothing is written (no re-creation).
                        LogRecordMissing(pooler.PodKey, key);
                        Published(pooler, bytes);
                        return;
                    }
                }
                if (current is null)
                    continue;
                var swapped = await etcd.CompareAndSwapAsync(key, bytes, current.ModRevision, ct);
                if (swapped.Succeeded)
                {
                    Published(pooler, bytes);
                    return;
                }
            }
            LogPublishFailed(pooler.PodKey, key, $"lost {MaxCasAttempts} compare-and-swap races");
        }
        catch (EtcdException e)
        {
            LogPublishFailed(pooler.PodKey, key, e.Message);
        }
        ScheduleRetry(pooler, ct);
    }

    private static void Published(FakePooler pooler, byte[] bytes)
    {
        lock (pooler.Gate)
        {
            pooler.LastPublished = bytes;
            pooler.NeedsCreate = false;
        }
    }

    private void ScheduleRetry(FakePooler pooler, CancellationToken ct)
    {
        if (pooler.RetryScheduled)
            return;
        pooler.RetryScheduled = true;
        _ = RetryLaterAsync(pooler, ct);
    }

    private async Task RetryLaterAsync(FakePooler pooler, CancellationToken ct)
    {
        try
        {
            await Task.Delay(PublishRetryInterval, Time, ct);
            if (pooler.WaitingForCell)
            {
                pooler.RetryScheduled = false;
                inbox.Writer.TryWrite(new TopologyChanged(TopologyNames.CellsPrefix(pooler.Spec.Shard.GlobalRoot)));
            }
            else
            {
                inbox.Writer.TryWrite(new RetryPublish(pooler));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ---- topology watches ----

    /// <summary>
    /// Watches a topology prefix (a global root's Cell records, or a cell's pooler records) so that records
    /// written by others (a Cell record appearing, the operator marking a pooler SHUTDOWN) reach the loop.
    /// Each (re)opened watch first reads the prefix and posts a change, so whatever happened before the
    /// watch was up (say, a Cell record created just after a registration found it missing) is not missed.
    /// </summary>
    private void EnsureWatch(string prefix, bool cells, CancellationToken ct)
    {
        if (watches.TryAdd(prefix, cells))
            _ = WatchLoopAsync(prefix, ct);
    }

    private async Task WatchLoopAsync(string prefix, CancellationToken ct)
    {
        var revision = 0L;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (revision == 0)
                {
                    revision = (await etcd.GetPrefixAsync(prefix, keysOnly: true, ct)).Revision;
                    inbox.Writer.TryWrite(new TopologyChanged(prefix)); // whatever changed while the watch was down
                }
                await foreach (var batch in etcd.WatchAsync(prefix, prefix: true, startRevision: revision + 1, cancellationToken: ct))
                {
                    revision = batch.Revision;
                    backoff = TimeSpan.FromMilliseconds(200);
                    inbox.Writer.TryWrite(new TopologyChanged(prefix));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWatchBroken(prefix, e.Message);
                revision = 0;
                try
                {
                    // Infrastructure backoff on the real clock: etcd outages are real-time events.
                    await Task.Delay(backoff, TimeProvider.System, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task OnTopologyChangedAsync(string prefix, CancellationToken ct)
    {
        if (watches.TryGetValue(prefix, out var cells) && cells)
        {
            foreach (var waiting in poolers.Values.Where(p => p.WaitingForCell && TopologyNames.CellsPrefix(p.Spec.Shard.GlobalRoot) == prefix).ToList())
            {
                var pod = service.Store.Get("pods", waiting.Spec.Namespace, waiting.Spec.PodName);
                if (pod is not null && PoolPodSpec.UidOf(pod) == waiting.Spec.Uid)
                    await ReconcilePodAsync(waiting.PodKey, pod, ct);
            }
            return;
        }
        foreach (var p in poolers.Values)
        {
            if (p.CellRoot is { } root && TopologyNames.PoolersPrefix(root) == prefix)
                MarkDirty(p.Spec.Shard);
        }
    }

    // ---- the fake multiorch ----

    private void MarkDirty(ShardRef shard) => dirty.Add(shard);

    private ShardState Shard(ShardRef shard) => shards.GetOrAdd(shard, s => new ShardState(s));

    private async Task RunElectionsAsync(CancellationToken ct)
    {
        if (dirty.Count == 0)
            return;
        var todo = dirty.ToList();
        dirty.Clear();
        foreach (var shard in todo)
        {
            try
            {
                await ElectAsync(Shard(shard), ct);
            }
            catch (EtcdException e)
            {
                // The next topology or pod event re-runs the election; nothing is lost by waiting for it.
                LogElectionFailed(shard.ToString(), e.Message);
            }
        }
    }

    /// <summary>
    /// Keeps exactly one PRIMARY among the shard's live records (§7.4): reads the records as etcd has them
    /// (so a SHUTDOWN mark written by the operator counts), decides with <see cref="PrimaryElection"/>, then
    /// demotes before it promotes, so two live records never both say PRIMARY. Writes only routing state,
    /// and only through the poolers' own publishing (never type DRAINED, never another field).
    /// </summary>
    private async Task ElectAsync(ShardState shard, CancellationToken ct)
    {
        if (shard.ElectionsSuspended)
            return;
        var members = poolers.Values.Where(p => p.Spec.Shard == shard.Ref && p.Key is not null).OrderBy(p => p.PodKey, StringComparer.Ordinal).ToList();
        if (members.Count == 0)
            return;
        var records = new Dictionary<string, Multipooler>(StringComparer.Ordinal);
        foreach (var root in members.Select(m => m.CellRoot!).Distinct(StringComparer.Ordinal))
        {
            var range = await etcd.GetPrefixAsync(TopologyNames.PoolersPrefix(root), cancellationToken: ct);
            foreach (var kv in range.Kvs)
            {
                try
                {
                    records[kv.Key] = Multipooler.Parser.ParseFrom(kv.Value);
                }
                catch (InvalidProtocolBufferException)
                {
                    // Someone else's garbage under poolers/: not a member of this shard.
                }
            }
        }

        var term = shard.Term;
        foreach (var r in records.Values)
        {
            if (r.ShardKey is { } k && k.Database == shard.Ref.Database && k.TableGroup == shard.Ref.TableGroup && k.Shard == shard.Ref.Shard
                && r.RoutingState?.Rule is { } rule)
                term = Math.Max(term, rule.CoordinatorTerm);
        }

        var candidates = new List<ElectionMember>();
        foreach (var m in members)
        {
            // A record marked SHUTDOWN (or deleted) by anyone is a tombstone: never promoted, never written to.
            // A QUARANTINED record (the pooler's own, or one written by someone else) is not promoted either.
            records.TryGetValue(m.Key!, out var record);
            var tombstoned = record is null || record.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleShutdown;
            var quarantined = record?.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleQuarantined;
            lock (m.Gate)
            {
                var live = m.Phase == PoolerPhase.Active;
                candidates.Add(new ElectionMember(m.PodKey, live && m.Quarantine is null && !quarantined && !tombstoned, m.Primary, live && !tombstoned, m.Term));
            }
        }

        var outcome = PrimaryElection.Decide(candidates, term);
        shard.Term = Math.Max(shard.Term, term);
        foreach (var key in outcome.Demote)
        {
            var pooler = poolers[key];
            lock (pooler.Gate)
                pooler.Primary = false;
            LogDemoted(key, shard.Ref.ToString());
            await PublishAsync(pooler, ct);
        }
        if (outcome.Promote is { } promote)
        {
            var pooler = poolers[promote];
            lock (pooler.Gate)
            {
                pooler.Primary = true;
                pooler.Term = outcome.Term;
            }
            shard.Term = outcome.Term;
            shard.Primary = promote;
            LogPromoted(promote, shard.Ref.ToString(), outcome.Term);
            await PublishAsync(pooler, ct);
        }
    }

    // ---- knobs as the loop reads them ----

    private PodKnobs Knobs(string podKey) => knobs.GetOrAdd(podKey, _ => new PodKnobs());

    private string? EffectiveQuarantine(string key, JsonObject pod) =>
        (knobs.TryGetValue(key, out var k) ? k.QuarantineReason : null)
        ?? (PoolPodSpec.Annotation(pod, DataPlaneAnnotations.Quarantine) is { Length: > 0 } reason ? reason : null);

    private bool EffectiveCrashOnStop(string key, JsonObject pod) =>
        (knobs.TryGetValue(key, out var k) ? k.CrashOnStop : null) ?? DataPlaneAnnotations.IsTrue(pod, DataPlaneAnnotations.CrashOnStop);

    /// <summary>Why the process should be down: a knob, the annotation, or a failed container (<c>kubesim.io/fail</c> / phase Failed).</summary>
    private PoolerFailure? EffectiveDown(string key, JsonObject pod)
    {
        if (knobs.TryGetValue(key, out var k) && k.Down is { } down)
            return down;
        if (DataPlaneAnnotations.ParseDown(PoolPodSpec.Annotation(pod, DataPlaneAnnotations.Down)) is { } annotated)
            return annotated;
        if (DataPlaneAnnotations.IsTrue(pod, Controllers.SimulatedCluster.FailAnnotation) || pod["status"]?["phase"]?.GetValue<string>() == "Failed")
            return PoolerFailure.Crash;
        return null;
    }

    // ---- logging ----

    [LoggerMessage(Level = LogLevel.Warning, Message = "data plane: pool pod {Pod} gets no fake multipooler: {Error}")]
    private partial void LogPodRejected(string pod, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: pooler of {Pod} waits for its Cell record {CellKey}")]
    private partial void LogWaitingForCell(string pod, string cellKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "data plane: topology unavailable for {Pod}: {Error}")]
    private partial void LogTopologyUnavailable(string pod, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: pooler of {Pod} registers at {Key} (topology {TopoAddresses} dialled at {DataPlaneEtcd})")]
    private partial void LogStarting(string pod, string? key, string topoAddresses, string dataPlaneEtcd);

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: pooler of {Pod} shut down (record SHUTDOWN)")]
    private partial void LogShutdown(string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: pooler of {Pod} crashed (record left as it was)")]
    private partial void LogCrashed(string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: pooler of {Pod} quarantine reason {Reason}")]
    private partial void LogQuarantine(string pod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "data plane: record {Key} of {Pod} was deleted by someone else; not re-creating it")]
    private partial void LogRecordMissing(string pod, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "data plane: publishing {Key} for {Pod} failed, retrying later: {Error}")]
    private partial void LogPublishFailed(string pod, string key, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "data plane: watch on {Prefix} broke, reopening: {Error}")]
    private partial void LogWatchBroken(string prefix, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "data plane: election for shard {Shard} failed: {Error}")]
    private partial void LogElectionFailed(string shard, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: multiorch promotes {Pod} in shard {Shard} at term {Term}")]
    private partial void LogPromoted(string pod, string shard, long term);

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: multiorch demotes {Pod} in shard {Shard}")]
    private partial void LogDemoted(string pod, string shard);

    [LoggerMessage(Level = LogLevel.Warning, Message = "data plane: handling {Message} failed: {Error}")]
    private partial void LogLoopFailure(string message, string error);
}
