using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.KubeSim.DataPlane;
using MultigresOrleans.KubeSim.DataPlane.Protos;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.DataPlane;

/// <summary>
/// GetBackups and ReloadConfig over a real HTTP/2 connection to KubeSim's one gRPC listener, addressed
/// by the pooler's own host name (dataplane-contracts §3.2, §3.3, §7.3).
/// </summary>
[Collection(DataPlaneCollection.Name)]
public sealed class ManagerRpcTests(DataPlaneFixture fixture) : IDisposable
{
    private const string GetBackups = "/multipoolermanager.MultipoolerManager/GetBackups";
    private const string ReloadConfig = "/multipoolermanager.MultipoolerManager/ReloadConfig";
    private const string Marker = "multigres.config_reload_marker";

    private readonly GrpcTestClient grpc = new(fixture.Server.DataPlaneGrpcPort!.Value);

    public void Dispose() => grpc.Dispose();

    private static string Authority(string ns, string pod) => Topology.Hostname(ns, pod) + ":15270";

    private async Task<(string Ns, Topology Topology, DateTimeOffset ReadyAt)> PoolerAsync(string test, string pod, string? conf = null)
    {
        var ns = await fixture.NewNamespaceAsync("dp-" + test);
        var topology = await fixture.NewTopologyAsync(test);
        string? configMap = null;
        if (conf is not null)
        {
            configMap = "c-postgres-config";
            await fixture.CreateAsync(ns, "configmaps", Topology.PostgresConfig(configMap, conf));
        }
        var (readyAt, _) = await fixture.StartPoolerAsync(ns, topology, topology.PoolPod(pod, configMap));
        return (ns, topology, readyAt);
    }

    private Task<GrpcResult<ReloadConfigResponse>> ReloadAsync(string ns, string pod, Dictionary<string, string> expected, CancellationToken ct = default)
    {
        var request = new ReloadConfigRequest();
        request.ExpectedSettings.Add(expected);
        return grpc.CallAsync(Authority(ns, pod), ReloadConfig, request, ReloadConfigResponse.Parser, ct);
    }

    private async Task UpdateConfigAsync(string ns, string text)
    {
        var patch = new System.Text.Json.Nodes.JsonObject { ["data"] = new System.Text.Json.Nodes.JsonObject { ["postgresql.conf"] = text } };
        (await fixture.Http.PatchJsonAsync($"/api/v1/namespaces/{ns}/configmaps/c-postgres-config", patch)).Expect(System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task GetBackups_returns_one_complete_full_backup_stopped_at_pod_start_by_default()
    {
        var (ns, topology, readyAt) = await PoolerAsync("backups", "pool-0");
        var podStart = readyAt; // the kubelet stamped startTime when it scheduled the pod; the clock has not moved since
        var response = (await grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, new GetBackupsRequest { Limit = 10 }, GetBackupsResponse.Parser)).Ok;

        var backup = Assert.Single(response.Backups);
        Assert.Equal(BackupMetadata.Types.Status.Complete, backup.Status);
        Assert.Equal("full", backup.Type);
        Assert.Equal(BackupCatalog.Stamp(podStart) + "F", backup.BackupId);
        Assert.Equal("default", backup.TableGroup);
        Assert.Equal("0-inf", backup.Shard);
        Assert.Equal(Timestamp.FromDateTimeOffset(podStart), backup.StopTimestamp);
        Assert.Equal(TopologyNames.PoolerServiceId("pool-0"), backup.MultipoolerId);

        var call = fixture.DataPlane.Calls.Last(c => c.Namespace == ns);
        Assert.Equal((ns, "pool-0", GetBackups, (uint?)10, GrpcStatus.Ok), (call.Namespace, call.Pod, call.Method, call.Limit, call.Status));
        Assert.Equal(topology.Shard, fixture.DataPlane.Pooler(ns, "pool-0")!.Shard);
    }

    [Fact]
    public async Task GetBackups_answers_the_shards_repository_oldest_first_cut_to_the_limit_and_ages_on_request()
    {
        var (ns, topology, readyAt) = await PoolerAsync("backup-list", "pool-0");
        var now = fixture.Time.GetUtcNow();
        fixture.DataPlane.SetBackups(topology.Shard,
        [
            SimulatedBackup.Full(now - TimeSpan.FromHours(2), TimeSpan.FromMinutes(10)),
            SimulatedBackup.Full(now - TimeSpan.FromHours(50)),
            new SimulatedBackup(now - TimeSpan.FromHours(1), now - TimeSpan.FromMinutes(59), "incr"),
        ]);
        var all = (await grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, new GetBackupsRequest(), GetBackupsResponse.Parser)).Ok;
        var full2h = BackupCatalog.Stamp(now - TimeSpan.FromHours(2) - TimeSpan.FromMinutes(10)) + "F";
        Assert.Equal(
            [BackupCatalog.Stamp(now - TimeSpan.FromHours(50)) + "F", full2h, full2h + "_" + BackupCatalog.Stamp(now - TimeSpan.FromHours(1)) + "I"],
            all.Backups.Select(b => b.BackupId));
        Assert.Equal(Timestamp.FromDateTimeOffset(now - TimeSpan.FromHours(2)), all.Backups[1].StopTimestamp);

        var limited = (await grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, new GetBackupsRequest { Limit = 1 }, GetBackupsResponse.Parser)).Ok;
        Assert.Equal(BackupCatalog.Stamp(now - TimeSpan.FromHours(50)) + "F", Assert.Single(limited.Backups).BackupId);

        fixture.DataPlane.SetBackups(topology.Shard, [SimulatedBackup.Full(readyAt)]);
        fixture.DataPlane.AgeBackups(topology.Shard, TimeSpan.FromHours(26));
        var aged = (await grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, new GetBackupsRequest { Limit = 10 }, GetBackupsResponse.Parser)).Ok;
        Assert.Equal(BackupCatalog.Stamp(readyAt - TimeSpan.FromHours(26)) + "F", Assert.Single(aged.Backups).BackupId);

        // Per-pod annotation: this pooler sees an empty repository.
        await fixture.AnnotatePodAsync(ns, "pool-0", DataPlaneAnnotations.Backups, "none");
        Assert.Empty((await grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, new GetBackupsRequest { Limit = 10 }, GetBackupsResponse.Parser)).Ok.Backups);
    }

    [Fact]
    public async Task GetBackups_faults_answer_the_injected_status_and_message()
    {
        var (ns, topology, _) = await PoolerAsync("backup-faults", "pool-0");
        var request = new GetBackupsRequest { Limit = 10 };

        fixture.DataPlane.SetGetBackupsFault(topology.Shard, GetBackupsFault.ManagerStarting);
        var starting = await grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, request, GetBackupsResponse.Parser);
        Assert.Equal((14, "manager is still starting up"), (starting.Status, starting.Message));
        Assert.True(starting.TrailersOnly, "an error is answered Trailers-Only, in the one HEADERS frame");

        fixture.DataPlane.SetGetBackupsFault(topology.Shard, GetBackupsFault.RepoStatus("[CryptoError] cipher key mismatch"));
        var repo = await grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, request, GetBackupsResponse.Parser);
        Assert.Equal((13, "pgbackrest repo 1 status: [CryptoError] cipher key mismatch"), (repo.Status, repo.Message));

        fixture.DataPlane.SetGetBackupsFault(topology.Shard, null);
        await fixture.AnnotatePodAsync(ns, "pool-0", DataPlaneAnnotations.GetBackupsError, "repo:key mismatch");
        var annotated = await grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, request, GetBackupsResponse.Parser);
        Assert.Equal((13, "pgbackrest repo 1 status: key mismatch"), (annotated.Status, annotated.Message));
        Assert.Contains(fixture.DataPlane.Calls, c => c.Namespace == ns && c.Status == GrpcStatus.Internal && c.Outcome == "pgbackrest repo 1 status: key mismatch");

        // A hang (for the caller's deadline) answers normally once released.
        await fixture.AnnotatePodAsync(ns, "pool-0", DataPlaneAnnotations.GetBackupsError, null);
        fixture.DataPlane.SetGetBackupsFault(topology.Shard, GetBackupsFault.Hanging);
        var hanging = grpc.CallAsync(Authority(ns, "pool-0"), GetBackups, request, GetBackupsResponse.Parser);
        await Eventually.WaitUntil(() => fixture.DataPlane.StalledGetBackups(topology.Shard) == 1, "GetBackups to hang");
        Assert.False(hanging.IsCompleted);
        fixture.DataPlane.SetGetBackupsFault(topology.Shard, null);
        fixture.DataPlane.ReleaseStalledGetBackups(topology.Shard);
        Assert.Single((await hanging.WaitAsync(TimeSpan.FromSeconds(20))).Ok.Backups);
    }

    [Fact]
    public async Task Unknown_hosts_ports_and_methods_get_clear_gRPC_errors()
    {
        var (ns, _, _) = await PoolerAsync("routing", "pool-0");
        var unknown = await grpc.CallAsync($"nope.{Topology.HeadlessService}.{ns}.svc.cluster.local:15270", GetBackups, new GetBackupsRequest(), GetBackupsResponse.Parser);
        Assert.Equal(14, unknown.Status);
        Assert.Contains("no multipooler pod matches authority \"nope.", unknown.Message, StringComparison.Ordinal);

        var wrongPort = await grpc.CallAsync(Topology.Hostname(ns, "pool-0") + ":15200", GetBackups, new GetBackupsRequest(), GetBackupsResponse.Parser);
        Assert.Equal(14, wrongPort.Status);
        Assert.Contains("serves multipooler gRPC on port 15270, not 15200", wrongPort.Message, StringComparison.Ordinal);

        var other = await grpc.CallAsync(Authority(ns, "pool-0"), "/multipoolermanager.MultipoolerManager/Status", new GetBackupsRequest(), GetBackupsResponse.Parser);
        Assert.Equal((12, "unknown method Status for service multipoolermanager.MultipoolerManager"), (other.Status, other.Message));
        var service = await grpc.CallAsync(Authority(ns, "pool-0"), "/consensus.MultipoolerConsensus/Promote", new GetBackupsRequest(), GetBackupsResponse.Parser);
        Assert.Equal(12, service.Status);
    }

    [Fact]
    public async Task ReloadConfig_reloads_when_the_file_matches_and_reports_stale_files_without_reloading()
    {
        var (ns, _, readyAt) = await PoolerAsync("reload", "pool-0", "shared_buffers = '128MB'\nwork_mem = '4MB'   # inline\nmultigres.config_reload_marker = 'h1'\n");
        Assert.Equal(readyAt, fixture.DataPlane.Pooler(ns, "pool-0")!.ConfigLoadTime);

        // The operator changed a reload-safe setting; the kubelet synced the mount.
        await UpdateConfigAsync(ns, "shared_buffers = '128MB'\nwork_mem = '8MB'\nmultigres.config_reload_marker = 'h2'\n");
        fixture.Time.Advance(TimeSpan.FromSeconds(3));
        var reloadedAt = fixture.Time.GetUtcNow();
        var ok = (await ReloadAsync(ns, "pool-0", new() { ["work_mem"] = "8MB", [Marker] = "h2" })).Ok;
        Assert.Equal(Timestamp.FromDateTimeOffset(reloadedAt), ok.ConfigLoadTime);
        Assert.Empty(ok.Mismatches);
        Assert.False(ok.NeedsRestart);
        var view = fixture.DataPlane.Pooler(ns, "pool-0")!;
        Assert.Equal(reloadedAt, view.ConfigLoadTime);
        Assert.Equal("8MB", view.Running["work_mem"]);
        Assert.Equal("h2", view.Running[Marker]);

        // A newer marker the mount does not show yet: no reload, a mismatch without error, no restart.
        fixture.Time.Advance(TimeSpan.FromSeconds(3));
        var stale = (await ReloadAsync(ns, "pool-0", new() { ["work_mem"] = "8MB", [Marker] = "h3" })).Ok;
        Assert.Null(stale.ConfigLoadTime);
        var mismatch = Assert.Single(stale.Mismatches);
        Assert.Equal((Marker, "", false), (mismatch.Name, mismatch.Error, mismatch.RequiresRestart));
        Assert.False(stale.NeedsRestart);
        Assert.Equal(reloadedAt, fixture.DataPlane.Pooler(ns, "pool-0")!.ConfigLoadTime);

        // Every call is recorded with the settings sent, marker included.
        var calls = fixture.DataPlane.Calls.Where(c => c.Namespace == ns && c.Method == ReloadConfig).ToList();
        Assert.Equal(["h2", "h3"], calls.Select(c => c.ExpectedSettings![Marker]));
        Assert.Equal(["reloaded", $"mismatch: [{Marker}]"], calls.Select(c => c.Outcome));
    }

    [Fact]
    public async Task ReloadConfig_asks_for_a_restart_when_a_postmaster_setting_is_written_but_not_running()
    {
        var (ns, _, _) = await PoolerAsync("restart", "pool-0", "shared_buffers = '128MB'\nmultigres.config_reload_marker = 'h1'\n");
        await UpdateConfigAsync(ns, "shared_buffers = '256MB'\nmultigres.config_reload_marker = 'h2'\n");
        var response = (await ReloadAsync(ns, "pool-0", new() { ["shared_buffers"] = "256MB", [Marker] = "h2" })).Ok;
        Assert.True(response.NeedsRestart);
        Assert.Null(response.ConfigLoadTime);
        var mismatch = Assert.Single(response.Mismatches);
        Assert.Equal(("shared_buffers", "setting could not be applied", true), (mismatch.Name, mismatch.Error, mismatch.RequiresRestart));
        Assert.Equal("128MB", fixture.DataPlane.Pooler(ns, "pool-0")!.Running["shared_buffers"]);

        // An unconditional reload (no expected settings) applies the reloadable part only.
        var unconditional = (await ReloadAsync(ns, "pool-0", [])).Ok;
        Assert.NotNull(unconditional.ConfigLoadTime);
        var running = fixture.DataPlane.Pooler(ns, "pool-0")!.Running;
        Assert.Equal(("128MB", "h2"), (running["shared_buffers"], running[Marker]));
    }

    [Fact]
    public async Task ReloadConfig_answers_empty_when_postgres_is_down_and_times_out_or_hangs_on_a_stall()
    {
        var (ns, _, _) = await PoolerAsync("stall", "pool-0", "work_mem = '4MB'\nmultigres.config_reload_marker = 'h1'\n");
        var expected = new Dictionary<string, string> { ["work_mem"] = "4MB", [Marker] = "h1" };

        fixture.DataPlane.SetPostgresDown(ns, "pool-0");
        var down = (await ReloadAsync(ns, "pool-0", expected)).Ok;
        Assert.Equal(new ReloadConfigResponse(), down);
        fixture.DataPlane.SetPostgresDown(ns, "pool-0", down: false);

        fixture.DataPlane.SetReloadStall(ns, "pool-0", ReloadStall.DeadlineExceeded);
        var timedOut = await ReloadAsync(ns, "pool-0", expected);
        Assert.Equal((4, "timeout waiting for pg_conf_load_time to advance after reload"), (timedOut.Status, timedOut.Message));

        fixture.DataPlane.SetReloadStall(ns, "pool-0", ReloadStall.Hang);
        var hanging = ReloadAsync(ns, "pool-0", expected);
        await Eventually.WaitUntil(() => fixture.DataPlane.StalledCalls(ns, "pool-0") == 1, "the reload to hang on the stall knob",
            () => $"{fixture.DataPlane.StalledCalls(ns, "pool-0")} stalled calls, call finished: {hanging.IsCompleted}");
        Assert.False(hanging.IsCompleted);
        fixture.DataPlane.SetReloadStall(ns, "pool-0", null);
        fixture.DataPlane.ReleaseStalledCalls(ns, "pool-0");
        var released = (await hanging.WaitAsync(TimeSpan.FromSeconds(20))).Ok;
        Assert.NotNull(released.ConfigLoadTime);

        // A caller that gives up (its deadline) cancels the hanging call; the next call is served.
        await fixture.AnnotatePodAsync(ns, "pool-0", DataPlaneAnnotations.ReloadStall, "hang");
        using var deadline = new CancellationTokenSource();
        var abandoned = ReloadAsync(ns, "pool-0", expected, deadline.Token);
        await Eventually.WaitUntil(() => fixture.DataPlane.StalledCalls(ns, "pool-0") == 1, "the annotated reload to hang");
        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Eventually.WaitUntil(() => fixture.DataPlane.StalledCalls(ns, "pool-0") == 0, "the server to drop the abandoned call");
        await fixture.AnnotatePodAsync(ns, "pool-0", DataPlaneAnnotations.ReloadStall, null);
        Assert.NotNull((await ReloadAsync(ns, "pool-0", expected)).Ok.ConfigLoadTime);
    }
}
