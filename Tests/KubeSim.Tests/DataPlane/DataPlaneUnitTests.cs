using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.DataPlane;

namespace MultigresOrleans.KubeSim.Tests.DataPlane;

/// <summary>The data plane's pure decisions, with the contract's vectors.</summary>
public sealed class DataPlaneUnitTests
{
    [Theory]
    [InlineData("pod-a", "p-f1c6a802")]
    public void Service_id_is_FNV_1a_of_the_pod_name_and_a_zero_byte(string pod, string expected) =>
        Assert.Equal(expected, TopologyNames.PoolerServiceId(pod));

    [Theory]
    [InlineData("/multigres/global", "/multigres/global/poolers/multipooler-zone1-p-1/Pooler")]
    [InlineData("/multigres/global/", "/multigres/global/poolers/multipooler-zone1-p-1/Pooler")]
    [InlineData("//multigres//zone1/./x/..", "/multigres/zone1/poolers/multipooler-zone1-p-1/Pooler")]
    public void Pooler_keys_follow_go_path_join(string root, string expected) =>
        Assert.Equal(expected, TopologyNames.PoolerKey(root, "zone1", "p-1"));

    [Fact]
    public void Postgresql_conf_parses_like_pg_file_settings()
    {
        var settings = PostgresConf.Parse("""
            # comment
            Shared_Buffers = '128MB'
            work_mem=4MB  # trailing comment
            search_path = '"$user", public'
            quoted = 'it''s # not a comment'
            multigres.config_reload_marker = 'abc'
            work_mem = 8MB
            broken = 'unterminated
            """);
        Assert.Equal(new Dictionary<string, string>
        {
            ["shared_buffers"] = "128MB",
            ["work_mem"] = "8MB",
            ["search_path"] = "\"$user\", public",
            ["quoted"] = "it's # not a comment",
            ["multigres.config_reload_marker"] = "abc",
        }, settings);
        Assert.Equal(GucContext.Postmaster, PostgresConf.ContextOf("shared_buffers"));
        Assert.Equal(GucContext.Postmaster, PostgresConf.ContextOf("MAX_CONNECTIONS"));
        Assert.Equal(GucContext.Sighup, PostgresConf.ContextOf("work_mem"));
        Assert.Equal(GucContext.Sighup, PostgresConf.ContextOf("multigres.config_reload_marker"));
    }

    [Fact]
    public void Reload_gate_requires_presence_equality_and_applicability()
    {
        var file = new Dictionary<string, string> { ["work_mem"] = "8MB", ["shared_buffers"] = "256MB", ["m"] = "h2" };
        var running = new Dictionary<string, string> { ["work_mem"] = "4MB", ["shared_buffers"] = "128MB", ["m"] = "h1" };

        var ok = ReloadGate.Evaluate(new Dictionary<string, string> { ["work_mem"] = "8MB", ["m"] = "h2" }, file, running);
        Assert.True(ok.Reload);
        Assert.Empty(ok.Mismatches);

        var bad = ReloadGate.Evaluate(new Dictionary<string, string> { ["work_mem"] = "16MB", ["absent"] = "x", ["shared_buffers"] = "256MB" }, file, running);
        Assert.False(bad.Reload);
        Assert.True(bad.NeedsRestart);
        Assert.Equal(
            [new SettingMismatchInfo("absent", "", false), new SettingMismatchInfo("shared_buffers", ReloadGate.NotAppliedError, true), new SettingMismatchInfo("work_mem", "", false)],
            bad.Mismatches);

        Assert.True(ReloadGate.Evaluate(new Dictionary<string, string>(), file, running).Reload);
        Assert.Equal(new Dictionary<string, string> { ["work_mem"] = "8MB", ["shared_buffers"] = "128MB", ["m"] = "h2" }, ReloadGate.ApplyReload(file, running));
        Assert.DoesNotContain("work_mem", ReloadGate.ApplyReload(new Dictionary<string, string>(), running).Keys);
    }

    [Fact]
    public void Election_keeps_an_eligible_primary_else_promotes_the_lowest_eligible_name_at_the_next_term()
    {
        var keep = PrimaryElection.Decide([new("ns/b", true, true, true, 3), new("ns/a", true, false, true)], 3);
        Assert.True(keep.IsNoOp);

        var failover = PrimaryElection.Decide(
            [new("ns/c", true, false, true), new("ns/a", false, true, true, 1), new("ns/b", true, false, true), new("ns/d", false, false, false)], 4);
        Assert.Equal(("ns/b", 5L), (failover.Promote, failover.Term));
        Assert.Equal(["ns/a"], failover.Demote);

        var overlap = PrimaryElection.Decide([new("ns/a", true, true, true, 1), new("ns/b", true, true, true, 2)], 2);
        Assert.Null(overlap.Promote);
        Assert.Equal(["ns/a"], overlap.Demote);

        var nobody = PrimaryElection.Decide([new("ns/a", false, true, false, 1)], 1);
        Assert.True(nobody.IsNoOp);
    }

    [Fact]
    public void Backup_labels_follow_pgbackrest_and_the_limit_keeps_the_oldest()
    {
        var t = new DateTimeOffset(2026, 8, 21, 9, 52, 41, TimeSpan.Zero);
        var shard = new ShardRef("/g", "postgres", "default", "0-inf");
        var response = BackupCatalog.Render(shard,
            [new SimulatedBackup(t.AddHours(1), t.AddHours(1.1), "diff"), SimulatedBackup.Full(t), SimulatedBackup.Full(t.AddDays(-1))], limit: 2, "p-1");
        Assert.Equal(["20260820-095241F", "20260821-095241F"], response.Backups.Select(b => b.BackupId));
        var all = BackupCatalog.Labelled([new SimulatedBackup(t.AddHours(1), t.AddHours(1.1), "diff"), SimulatedBackup.Full(t)]);
        Assert.Equal("20260821-095241F_20260821-105241D", all[1].Label);
    }

    [Fact]
    public void Grpc_messages_are_percent_encoded_and_frames_are_length_prefixed()
    {
        Assert.Equal("100%25 d%C3%A9j%C3%A0 vu%0A", GrpcWire.EncodeMessage("100% déjà vu\n"));
        Assert.Equal("100% déjà vu\n", GrpcWire.DecodeMessage("100%25 d%C3%A9j%C3%A0 vu%0A"));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 2, 8, 10 }, GrpcWire.Frame([8, 10]));
        Assert.Equal(new byte[] { 8, 10 }, GrpcWire.ReadUnary([0, 0, 0, 0, 2, 8, 10]));
        Assert.Equal(GrpcStatus.Unimplemented, Assert.Throws<GrpcError>(() => GrpcWire.ReadUnary([1, 0, 0, 0, 0])).Status);
        Assert.Equal(GrpcStatus.Internal, Assert.Throws<GrpcError>(() => GrpcWire.ReadUnary([0, 0, 0, 0, 3, 8])).Status);
    }

    [Fact]
    public void Pool_pod_without_a_required_flag_is_rejected_naming_the_flag()
    {
        var pod = new Topology("/g", "zone1", "/z").PoolPod("p-0");
        var args = pod["spec"]!["containers"]![0]!["args"]!.AsArray();
        args.Remove(args.First(a => a!.GetValue<string>().StartsWith("--shard=", StringComparison.Ordinal)));
        pod["metadata"]!["namespace"] = "ns";
        var (spec, error) = PoolPodSpec.Parse(pod);
        Assert.Null(spec);
        Assert.Equal("pod ns/p-0: the multipooler container lacks --shard", error);

        var good = new Topology("/g", "zone1", "/z").PoolPod("p-0", "cm");
        good["metadata"]!["namespace"] = "ns";
        var parsed = PoolPodSpec.Parse(good).Spec!;
        Assert.Equal(("p-0.c-pool-svc.ns.svc.cluster.local", 15270, 15200, 5432, 8432), (parsed.Hostname, parsed.GrpcPort, parsed.HttpPort, parsed.PostgresPort, parsed.PgBackRestPort));
        Assert.Equal(["c-global-topo.ns.svc:2379"], parsed.TopoAddresses);
        Assert.Equal(("cm", "postgresql.conf"), PoolPodSpec.PostgresConfigSource(good));
        Assert.True(PoolPodSpec.IsPoolPod(good));
        Assert.False(PoolPodSpec.IsPoolPod(new JsonObject { ["metadata"] = new JsonObject() }));
    }
}
