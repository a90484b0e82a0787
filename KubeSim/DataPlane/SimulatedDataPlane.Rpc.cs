using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.KubeSim.DataPlane.Protos;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>
/// The multipooler manager RPCs the operator calls (dataplane-contracts §3.2, §3.3, §7.3), answered by
/// the pooler the request's authority names. Both take the pooler's action lock, like the real manager.
/// </summary>
public sealed partial class SimulatedDataPlane
{
    public const string ManagerService = "multipoolermanager.MultipoolerManager";
    public const string GetBackupsPath = "/" + ManagerService + "/GetBackups";
    public const string ReloadConfigPath = "/" + ManagerService + "/ReloadConfig";

    public const string ReloadTimeoutMessage = "timeout waiting for pg_conf_load_time to advance after reload";

    /// <summary>
    /// The pooler an HTTP/2 authority names. The operator dials <c>hostname:port_map["grpc"]</c> from the
    /// record, i.e. <c>&lt;pod&gt;.&lt;svc&gt;.&lt;ns&gt;.svc.cluster.local:15270</c>; KubeSim's one listener
    /// stands in for every pod, so the authority is all that says which pod was meant.
    /// </summary>
    internal FakePooler ResolveAuthority(string host, int? port)
    {
        var all = poolers.Values.ToList();
        var pooler = all.FirstOrDefault(p => string.Equals(p.Spec.Hostname, host, StringComparison.OrdinalIgnoreCase));
        if (pooler is null)
        {
            var labels = host.Split('.');
            pooler = labels.Length >= 3
                ? all.FirstOrDefault(p => p.Spec.PodName == labels[0] && p.Spec.Namespace == labels[2])
                : all.Where(p => p.Spec.PodName == labels[0]).Take(2).ToList() is [var only] ? only : null;
        }
        var authority = port is null ? host : $"{host}:{port}";
        if (pooler is null)
        {
            throw new GrpcError(GrpcStatus.Unavailable,
                $"kubesim data plane: no multipooler pod matches authority \"{authority}\" (expected <pod>.<service>.<namespace>.svc.cluster.local:<grpc port> of a pool pod)");
        }
        if (port is { } p && p != pooler.Spec.GrpcPort)
        {
            throw new GrpcError(GrpcStatus.Unavailable,
                $"kubesim data plane: connection refused: pod {pooler.PodKey} serves multipooler gRPC on port {pooler.Spec.GrpcPort}, not {p}");
        }
        return pooler;
    }

    /// <summary>Runs one unary call and records it. Throws <see cref="GrpcError"/> for a gRPC status other than OK.</summary>
    internal async Task<byte[]> InvokeAsync(string host, int? port, string path, byte[] request, CancellationToken ct)
    {
        if (IsMultiadminAuthority(host))
        {
            return path == SwitchPrimaryPath
                ? await SwitchPrimaryAsync(host, port, request)
                : throw Unimplemented(path);
        }

        FakePooler? pooler = null;
        var status = GrpcStatus.Ok;
        var outcome = "";
        uint? limit = null;
        IReadOnlyDictionary<string, string>? expected = null;
        try
        {
            pooler = ResolveAuthority(host, port);
            byte[] response;
            switch (path)
            {
                case GetBackupsPath:
                    var backupsRequest = Parse(GetBackupsRequest.Parser, request);
                    limit = backupsRequest.Limit;
                    (response, outcome) = await GetBackupsAsync(pooler, backupsRequest, ct);
                    break;
                case ReloadConfigPath:
                    var reloadRequest = Parse(ReloadConfigRequest.Parser, request);
                    expected = new Dictionary<string, string>(reloadRequest.ExpectedSettings, StringComparer.Ordinal);
                    (response, outcome) = await ReloadConfigAsync(pooler, reloadRequest, ct);
                    break;
                default:
                    throw Unimplemented(path);
            }
            return response;
        }
        catch (GrpcError e)
        {
            status = e.Status;
            outcome = e.Message;
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            status = GrpcStatus.Cancelled;
            outcome = "cancelled by the caller";
            throw;
        }
        finally
        {
            var (ns, pod) = pooler is null ? ("", host) : (pooler.Spec.Namespace, pooler.Spec.PodName);
            var call = new DataPlaneCall(Time.GetUtcNow(), ns, pod, path, limit, expected, status, outcome);
            lock (callsGate)
                calls.Add(call);
        }
    }

    private static GrpcError Unimplemented(string path)
    {
        var parts = path.TrimStart('/').Split('/', 2);
        return parts.Length == 2 && parts[0] == ManagerService
            ? new GrpcError(GrpcStatus.Unimplemented, $"unknown method {parts[1]} for service {parts[0]}")
            : new GrpcError(GrpcStatus.Unimplemented, $"unknown service {parts[0]}");
    }

    private static T Parse<T>(MessageParser<T> parser, byte[] bytes)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GrpcError(GrpcStatus.Internal, $"grpc: error unmarshalling request: {e.Message}");
        }
    }

    /// <summary>A call reaches the manager only while the process runs and its manager is Ready (§3).</summary>
    private static void EnsureServing(FakePooler pooler)
    {
        PoolerPhase phase;
        lock (pooler.Gate)
            phase = pooler.Phase;
        switch (phase)
        {
            case PoolerPhase.Starting:
                throw new GrpcError(GrpcStatus.Unavailable, "manager is still starting up");
            case PoolerPhase.Active or PoolerPhase.Stopping:
                return;
            default:
                throw new GrpcError(GrpcStatus.Unavailable,
                    $"kubesim data plane: connection refused: the multipooler of pod {pooler.PodKey} is not running ({phase})");
        }
    }

    private async Task<(byte[], string)> GetBackupsAsync(FakePooler pooler, GetBackupsRequest request, CancellationToken ct)
    {
        EnsureServing(pooler);
        await pooler.ActionLock.WaitAsync(ct);
        try
        {
            var shard = Shard(pooler.Spec.Shard);
            var pod = service.Store.Get("pods", pooler.Spec.Namespace, pooler.Spec.PodName);
            GetBackupsFault? fault;
            Task release;
            lock (shard.Gate)
            {
                fault = shard.Fault;
                release = shard.Release.Task;
            }
            fault ??= pod is null ? null : DataPlaneAnnotations.ParseGetBackupsError(PoolPodSpec.Annotation(pod, DataPlaneAnnotations.GetBackupsError));
            if (fault is { Hang: true })
            {
                Interlocked.Increment(ref shard.Stalled);
                try
                {
                    await WaitForReleaseAsync(release, "GetBackups", ct);
                }
                finally
                {
                    Interlocked.Decrement(ref shard.Stalled);
                }
            }
            else if (fault is not null)
            {
                throw new GrpcError(fault.Status, fault.Message);
            }

            List<SimulatedBackup> backups;
            lock (shard.Gate)
                backups = [.. shard.Backups ?? []];
            if (pod is not null && PoolPodSpec.Annotation(pod, DataPlaneAnnotations.Backups) is { Length: > 0 } view)
            {
                backups = view.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? []
                    : DataPlaneAnnotations.ParseAge(view) is { } age ? [SimulatedBackup.Full(Time.GetUtcNow() - age)]
                    : backups;
            }
            var response = BackupCatalog.Render(pooler.Spec.Shard, backups, request.Limit, pooler.Spec.ServiceId);
            return (response.ToByteArray(), $"{response.Backups.Count} backup(s)");
        }
        finally
        {
            pooler.ActionLock.Release();
        }
    }

    private async Task<(byte[], string)> ReloadConfigAsync(FakePooler pooler, ReloadConfigRequest request, CancellationToken ct)
    {
        EnsureServing(pooler);
        await pooler.ActionLock.WaitAsync(ct);
        try
        {
            var key = pooler.PodKey;
            var k = Knobs(key);
            var pod = service.Store.Get("pods", pooler.Spec.Namespace, pooler.Spec.PodName);
            var stall = k.ReloadStall ?? (pod is null ? null : DataPlaneAnnotations.ParseReloadStall(PoolPodSpec.Annotation(pod, DataPlaneAnnotations.ReloadStall)));
            if (stall == ReloadStall.Hang)
            {
                Task release;
                lock (k)
                    release = k.Release.Task;
                Interlocked.Increment(ref k.Stalled);
                try
                {
                    await WaitForReleaseAsync(release, "ReloadConfig", ct);
                }
                finally
                {
                    Interlocked.Decrement(ref k.Stalled);
                }
            }

            var postgresDown = k.PostgresDown ?? (pod is not null && DataPlaneAnnotations.IsTrue(pod, DataPlaneAnnotations.PostgresDown));
            if (postgresDown)
                return (new ReloadConfigResponse().ToByteArray(), "postgres down: empty response");

            var file = pod is null ? new Dictionary<string, string>(StringComparer.Ordinal) : ReadConfigFile(pod);
            Dictionary<string, string> running;
            lock (pooler.Gate)
                running = new Dictionary<string, string>(pooler.Running, StringComparer.Ordinal);
            var verdict = ReloadGate.Evaluate(request.ExpectedSettings, file, running);
            var response = new ReloadConfigResponse();
            if (!verdict.Reload)
            {
                foreach (var m in verdict.Mismatches)
                    response.Mismatches.Add(new SettingMismatch { Name = m.Name, Error = m.Error, RequiresRestart = m.RequiresRestart });
                response.NeedsRestart = verdict.NeedsRestart;
                var names = string.Join(", ", verdict.Mismatches.Select(m => m.Name));
                return (response.ToByteArray(), verdict.NeedsRestart ? $"needs restart: [{names}]" : $"mismatch: [{names}]");
            }
            if (stall == ReloadStall.DeadlineExceeded)
                throw new GrpcError(GrpcStatus.DeadlineExceeded, ReloadTimeoutMessage);

            var now = Time.GetUtcNow();
            lock (pooler.Gate)
            {
                pooler.Running = ReloadGate.ApplyReload(file, pooler.Running);
                pooler.ConfigLoadTime = now;
            }
            response.ConfigLoadTime = Timestamp.FromDateTimeOffset(now);
            return (response.ToByteArray(), "reloaded");
        }
        finally
        {
            pooler.ActionLock.Release();
        }
    }

    /// <summary>A hang that ends when released, when the caller gives up, or after <see cref="StallLimit"/> (real time).</summary>
    private static async Task WaitForReleaseAsync(Task release, string method, CancellationToken ct)
    {
        using var bound = new CancellationTokenSource(StallLimit);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, bound.Token);
        try
        {
            await release.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new GrpcError(GrpcStatus.DeadlineExceeded, $"kubesim data plane: stalled {method} gave up after {StallLimit.TotalMinutes:0} minutes");
        }
    }
}
